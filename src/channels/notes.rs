//! Private notes on a conversation (issue 15): written by agents in the chat or when wrapping up,
//! kept with the conversation so whoever takes it next (a transfer's receiver, the admin) reads
//! them; never sent to the customer (they are not messages).

use super::{Error, Result};
use crate::core::Core;
use crate::ids::{new_sid, Prefix};
use crate::store::desk::{self as db, Note};

/// The longest note.
pub const MAX_NOTE: usize = 4000;

pub struct NewNote<'a> {
    pub conversation_sid: &'a str,
    pub task_sid: Option<&'a str>,
    pub author_sid: Option<&'a str>,
    pub author_name: &'a str,
    pub wrapup: bool,
    pub body: &'a str,
}

pub fn add(app: &Core, n: NewNote) -> Result<Note> {
    let body = n.body.trim();
    if body.is_empty() || body.chars().count() > MAX_NOTE {
        return Err(Error::invalid(
            "Body",
            format!("a note has 1 to {MAX_NOTE} characters"),
        ));
    }
    let note = Note {
        sid: new_sid(Prefix::Note),
        conversation_sid: n.conversation_sid.to_string(),
        task_sid: n.task_sid.map(str::to_string),
        author_sid: n.author_sid.map(str::to_string),
        author_name: n.author_name.to_string(),
        kind: if n.wrapup { "wrapup" } else { "note" }.to_string(),
        body: body.to_string(),
        created_at: app.now_ms(),
    };
    app.store.write(|tx| db::insert_note(tx, &note))?;
    Ok(note)
}
