//! Budgets of one Liquid template: its size and nesting (checked by a cheap scan before it is
//! parsed, so a deep template can't exhaust a thread's stack), and the work of one
//! render (loop iterations, the thread's CPU time, output and value sizes), kept in a render
//! register.

use std::time::{Duration, Instant};

/// Largest template accepted, in bytes (the corpus' largest is under 2 KB).
pub const MAX_TEMPLATE_BYTES: usize = 64 * 1024;
/// Deepest nesting of blocks (`if`, `for`, `case`, …) or of brackets inside one markup.
/// The parser and renderer recurse once per level; 1,000 levels fit a 2 MiB stack, so 64
/// leaves a wide margin on any thread.
pub const MAX_NESTING: usize = 64;
/// Twilio's cap (Studio FAQ): a loop runs at most 15 iterations; the rest are dropped.
pub const MAX_LOOP_ITERATIONS: usize = 15;
/// Iterations of all loops of one render together (nested loops multiply).
pub const MAX_TOTAL_ITERATIONS: usize = 10_000;
/// Largest rendered text, and largest string or array any filter may produce, in bytes/items.
pub const MAX_OUTPUT_BYTES: usize = 256 * 1024;
/// Budget of one render, in the rendering thread's CPU time (so a loaded machine, which gives
/// the thread less of its time, doesn't fail a template that is cheap).
pub const MAX_RENDER_TIME: Duration = Duration::from_millis(250);

/// Blocks that nest (their `end…` tag closes them).
const BLOCKS: &[&str] = &[
    "if",
    "unless",
    "for",
    "case",
    "capture",
    "ifchanged",
    "tablerow",
];

/// Checks a template's size and nesting without parsing it: `Err` names the limit exceeded.
/// Integer literals too long for i64 are refused here too (the crate panics on them).
pub fn check_shape(text: &str) -> Result<(), String> {
    if text.len() > MAX_TEMPLATE_BYTES {
        return Err(format!(
            "the template is {} bytes; at most {MAX_TEMPLATE_BYTES} are allowed",
            text.len()
        ));
    }
    let mut depth = 0usize;
    let mut rest = text;
    loop {
        let open = match (rest.find("{%"), rest.find("{{")) {
            (Some(a), Some(b)) => a.min(b),
            (Some(a), None) | (None, Some(a)) => a,
            (None, None) => break,
        };
        let is_tag = rest[open..].starts_with("{%");
        let close = if is_tag { "%}" } else { "}}" };
        let Some(len) = rest[open + 2..].find(close) else {
            return Ok(()); // unterminated: the parser reports it
        };
        let body = rest[open + 2..open + 2 + len].trim_matches('-').trim();
        rest = &rest[open + 2 + len + 2..];
        check_expression(body)?;
        if !is_tag {
            continue;
        }
        let name = body.split_whitespace().next().unwrap_or("");
        if name == "raw" || name == "comment" {
            // Their bodies are text; skip to the end tag (the parser checks it exists).
            let end = format!("end{name}");
            match find_tag(rest, &end) {
                Some(after) => rest = &rest[after..],
                None => return Ok(()),
            }
        } else if BLOCKS.contains(&name) {
            depth += 1;
            if depth > MAX_NESTING {
                return Err(format!("blocks are nested more than {MAX_NESTING} deep"));
            }
        } else if name
            .strip_prefix("end")
            .is_some_and(|b| BLOCKS.contains(&b))
        {
            depth = depth.saturating_sub(1);
        }
    }
    Ok(())
}

/// Offset just past the `{% name %}` tag in `text`, if any.
fn find_tag(text: &str, name: &str) -> Option<usize> {
    let mut from = 0;
    while let Some(at) = text[from..].find("{%") {
        let start = from + at + 2;
        let len = text[start..].find("%}")?;
        if text[start..start + len].trim_matches('-').trim() == name {
            return Some(start + len + 2);
        }
        from = start;
    }
    None
}

/// Bracket nesting and integer literal length inside one markup body.
fn check_expression(body: &str) -> Result<(), String> {
    let (mut depth, mut digits, mut quote) = (0usize, 0usize, None);
    for c in body.chars() {
        if let Some(q) = quote {
            if c == q {
                quote = None;
            }
            continue;
        }
        digits = if c.is_ascii_digit() { digits + 1 } else { 0 };
        if digits > 18 {
            return Err(
                "an integer literal is too long (liquid cannot read numbers beyond i64)".into(),
            );
        }
        match c {
            '"' | '\'' => quote = Some(c),
            '[' | '(' => {
                depth += 1;
                if depth > MAX_NESTING {
                    return Err(format!("brackets are nested more than {MAX_NESTING} deep"));
                }
            }
            ']' | ')' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    Ok(())
}

/// The work done by one render so far: a register of the crate's runtime (created on first
/// use, so its clock starts with the first loop).
#[derive(Debug)]
pub struct Budget {
    started: Clock,
    iterations: usize,
}

impl Default for Budget {
    fn default() -> Self {
        Budget {
            started: Clock::now(),
            iterations: 0,
        }
    }
}

/// This thread's CPU time, or wall time where the system can't tell it.
#[derive(Debug, Clone, Copy)]
enum Clock {
    Cpu(Duration),
    Wall(Instant),
}

impl Clock {
    fn now() -> Clock {
        let mut ts = libc::timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        // SAFETY: clock_gettime writes one timespec through a pointer to a live local.
        let ok = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) } == 0;
        match (ok, u64::try_from(ts.tv_sec), u32::try_from(ts.tv_nsec)) {
            (true, Ok(s), Ok(n)) => Clock::Cpu(Duration::new(s, n)),
            _ => Clock::Wall(Instant::now()),
        }
    }

    fn elapsed(self) -> Duration {
        match (self, Clock::now()) {
            (Clock::Cpu(a), Clock::Cpu(b)) => b.saturating_sub(a),
            (Clock::Wall(a), _) => a.elapsed(),
            (Clock::Cpu(_), Clock::Wall(_)) => Duration::ZERO,
        }
    }
}

impl Budget {
    /// Counts one loop iteration; `Err` once the render is over its iteration or time budget.
    pub fn iterate(&mut self) -> Result<(), String> {
        self.iterations += 1;
        if self.iterations > MAX_TOTAL_ITERATIONS {
            return Err(format!(
                "the template runs more than {MAX_TOTAL_ITERATIONS} loop iterations"
            ));
        }
        if self.started.elapsed() > MAX_RENDER_TIME {
            return Err(format!(
                "the template took longer than {} ms to render",
                MAX_RENDER_TIME.as_millis()
            ));
        }
        Ok(())
    }
}

/// A `Write` that refuses to grow past `MAX_OUTPUT_BYTES`.
#[derive(Default)]
pub struct BoundedOutput {
    pub bytes: Vec<u8>,
    pub exceeded: bool,
}

impl std::io::Write for BoundedOutput {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.bytes.len() + buf.len() > MAX_OUTPUT_BYTES {
            self.exceeded = true;
            return Err(std::io::Error::other("output budget exceeded"));
        }
        self.bytes.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_render_clock_counts_this_threads_work() {
        let start = Clock::now();
        assert!(matches!(start, Clock::Cpu(_)), "no thread CPU clock");
        std::thread::sleep(Duration::from_millis(100)); // sleeping is not work
        let mut x = 0u64;
        let t = Instant::now();
        while t.elapsed() < Duration::from_millis(50) {
            x = std::hint::black_box(x.wrapping_add(1));
        }
        let spent = start.elapsed();
        assert!(spent < Duration::from_millis(100), "{spent:?}");
        assert!(spent > Duration::ZERO, "{spent:?}");
    }

    #[test]
    fn nesting_and_size_are_bounded() {
        let deep = "{% if true %}".repeat(2000) + &"{% endif %}".repeat(2000);
        assert!(check_shape(&deep).unwrap_err().contains("nested"));
        let ok = "{% if true %}".repeat(MAX_NESTING) + &"{% endif %}".repeat(MAX_NESTING);
        assert!(check_shape(&ok).is_ok());
        let siblings = "{% if true %}x{% endif %}".repeat(500);
        assert!(check_shape(&siblings).is_ok());
        assert!(check_shape(&format!("{{{{ a{} }}}}", "[b".repeat(100))).is_err());
        assert!(check_shape(&"x".repeat(MAX_TEMPLATE_BYTES + 1)).is_err());
        assert!(check_shape("{{ 99999999999999999999 }}").is_err());
        assert!(check_shape("{% raw %}{% if %}{% if %}{% endraw %}").is_ok());
        assert!(check_shape("{{ '(((((' }}").is_ok());
    }
}
