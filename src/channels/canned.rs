//! Canned responses (issue 15): per office (workspace), a shortcut and a text an agent picks
//! with `/` in the reply box. Placeholders `{{customer.name}}`, `{{customer.first_name}}`,
//! `{{agent.name}}` and `{{agent.first_name}}` are filled in by the desktop as it inserts the
//! text (the agent sees and can edit the result before sending).

use super::{Error, Result};
use crate::core::Core;
use crate::store::desk::{self as db, Canned};

pub const MAX_SHORTCUT: usize = 32;
pub const MAX_BODY: usize = 1600;
pub const MAX_PER_OFFICE: usize = 500;

fn check(shortcut: &str, body: &str) -> Result<()> {
    let ok = !shortcut.is_empty()
        && shortcut.chars().count() <= MAX_SHORTCUT
        && shortcut
            .chars()
            .all(|c| c.is_alphanumeric() || c == '-' || c == '_');
    if !ok {
        return Err(Error::invalid(
            "Shortcut",
            format!("use 1 to {MAX_SHORTCUT} letters, digits, - or _ (no spaces)"),
        ));
    }
    if body.trim().is_empty() || body.chars().count() > MAX_BODY {
        return Err(Error::invalid(
            "Body",
            format!("the text has 1 to {MAX_BODY} characters"),
        ));
    }
    Ok(())
}

/// Creates (`id` None) or changes one of the office's responses.
pub fn save(app: &Core, ws: &str, id: Option<i64>, shortcut: &str, body: &str) -> Result<Canned> {
    let shortcut = shortcut.trim().trim_start_matches('/').to_lowercase();
    check(&shortcut, body)?;
    app.store.write(|tx| {
        let now = app.now_ms();
        if let Some(other) = db::canned_by_shortcut(tx, ws, &shortcut)? {
            if Some(other.id) != id {
                return Err(Error::Conflict(format!(
                    "/{shortcut} is already a canned response; pick another shortcut"
                )));
            }
        }
        let mut c = match id {
            Some(id) => db::find_canned(tx, ws, id)?
                .ok_or_else(|| Error::not_found("that canned response"))?,
            None => {
                if db::canned(tx, ws)?.len() >= MAX_PER_OFFICE {
                    return Err(Error::Conflict(format!(
                        "an office keeps at most {MAX_PER_OFFICE} canned responses"
                    )));
                }
                Canned {
                    id: 0,
                    workspace_sid: ws.to_string(),
                    shortcut: String::new(),
                    body: String::new(),
                    created_at: now,
                    updated_at: now,
                }
            }
        };
        c.shortcut = shortcut.clone();
        c.body = body.trim().to_string();
        c.updated_at = now;
        c.id = db::save_canned(tx, &c)?;
        Ok(c)
    })
}

pub fn delete(app: &Core, ws: &str, id: i64) -> Result<()> {
    app.store.write(|tx| {
        if db::delete_canned(tx, ws, id)? {
            Ok(())
        } else {
            Err(Error::not_found("that canned response"))
        }
    })
}
