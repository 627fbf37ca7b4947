//! The `switchboard` command: parses the command line and runs a subcommand (see `config::USAGE`).

use switchboard::config::{Command, Config, USAGE};
use switchboard::{account, logger, store};

fn main() {
    logger::init();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let config = match Config::parse(&args, |k| std::env::var(k).ok()) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("switchboard: {e}\n\n{USAGE}");
            std::process::exit(2);
        }
    };
    if let Err(e) = run(config) {
        eprintln!("switchboard: {e}");
        std::process::exit(1);
    }
}

fn run(config: Config) -> Result<(), String> {
    match config.command.clone() {
        Command::Help => {
            print!("{USAGE}");
            Ok(())
        }
        Command::Serve => serve(config),
        Command::Credentials => {
            let s = open(&config)?;
            let (a, _) = account::ensure(&s).map_err(|e| e.message)?;
            println!("Account SID: {}\nAuth Token:  {}", a.sid, a.auth_token);
            Ok(())
        }
        Command::RotateToken => {
            let s = open(&config)?;
            account::ensure(&s).map_err(|e| e.message)?;
            let a = account::rotate_token(&s).map_err(|e| e.message)?;
            println!(
                "Account SID: {}\nAuth Token:  {} (new; the old one no longer works)",
                a.sid, a.auth_token
            );
            Ok(())
        }
        Command::Restore(src) => {
            store::restore(&src, &config.db, config.sync)
                .map_err(|e| format!("restore failed: {}", e.message))?;
            println!("restored {} from {}", config.db.display(), src.display());
            Ok(())
        }
        Command::Checkup { fix } => {
            let s = open(&config)?;
            let (a, _) = account::ensure(&s).map_err(|e| e.message)?;
            let report = switchboard::channels::checkup::run(&s, &a.sid, fix)
                .map_err(|e| format!("checkup failed: {e}"))?;
            println!(
                "{}",
                serde_json::to_string_pretty(&report.to_json()).unwrap_or_default()
            );
            Ok(())
        }
        Command::Backup(dest) => {
            let s = open(&config)?;
            s.backup_to(&dest).map_err(|e| e.message)?;
            println!("backed up {} to {}", config.db.display(), dest.display());
            Ok(())
        }
    }
}

fn open(config: &Config) -> Result<store::Store, String> {
    store::Store::open(&config.db, config.sync)
        .map_err(|e| format!("{}: {}", config.db.display(), e.message))
}

fn serve(config: Config) -> Result<(), String> {
    let db = config.db.clone();
    let running = switchboard::start(config)?;
    let base = format!("http://{}", running.http.addr);
    let mut banner = format!(
        "switchboard is running at {base}\n  admin console: {base}/admin\n  database:      {}\n",
        db.display()
    );
    if running.account_created {
        banner.push_str(&format!(
            "  A new account was created. Sign in and point the twilio SDK at this server with:\n  \
             Account SID:   {}\n  Auth Token:    {}\n  (`switchboard credentials` prints them again.)\n",
            running.app.account_sid, running.auth_token
        ));
    } else {
        banner.push_str(&format!(
            "  Account SID:   {}  (`switchboard credentials` prints the token)\n",
            running.app.account_sid
        ));
    }
    // Written once and never again, errors ignored: a service whose stdout was closed (a
    // supervisor that read the banner and hung up) keeps serving; `println!` would panic
    // on the broken pipe and take every connection down with the process.
    {
        use std::io::Write;
        let mut out = std::io::stdout().lock();
        let _ = out.write_all(banner.as_bytes()).and_then(|()| out.flush());
    }
    // Serve until the process is stopped; SIGTERM/SIGINT end it, and SQLite's WAL keeps the file
    // consistent whatever moment that happens at.
    loop {
        std::thread::park();
    }
}
