//! Delivery receipts of conversation messages: one per carrier send of a message (an outbox
//! row of kind `carrier`), its status the carrier's last status callback (`message_receipts`),
//! else what the outbox knows (sent, or failed before the carrier took it).

use crate::store::{optional, Page, Result, Window};
use rusqlite::{params, Connection, Row};

#[derive(Debug, Clone, PartialEq)]
pub struct Receipt {
    /// The outbox row's SID (`OB…`); the receipt's own SID is `DY` + the same 32 digits.
    pub outbound_sid: String,
    pub message_sid: String,
    pub conversation_sid: String,
    /// The carrier's message SID (`SM…`), once it took the message.
    pub channel_message_sid: Option<String>,
    /// The participant bound to the address it was sent to, if still in the conversation.
    pub participant_sid: Option<String>,
    /// `sent` | `delivered` | `read` | `undelivered` | `failed`.
    pub status: String,
    pub error_code: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

const SELECT: &str = "SELECT o.sid, o.message_sid, o.conversation_sid, o.provider_sid,
       (SELECT p.sid FROM conversation_participants p WHERE p.conversation_sid = o.conversation_sid
          AND p.binding_address = json_extract(o.params, '$.To') LIMIT 1),
       coalesce(r.status, CASE o.status WHEN 'failed' THEN 'failed' ELSE 'sent' END),
       r.error_code, o.created_at, coalesce(r.updated_at, o.updated_at)
     FROM outbound_requests o LEFT JOIN message_receipts r ON r.outbound_sid = o.sid
     WHERE o.kind = 'carrier' AND o.message_sid = ?1 AND o.conversation_sid = ?2
       AND (o.provider_sid IS NOT NULL OR o.status = 'failed')";

fn from_row(r: &Row) -> rusqlite::Result<Receipt> {
    Ok(Receipt {
        outbound_sid: r.get(0)?,
        message_sid: r.get(1)?,
        conversation_sid: r.get(2)?,
        channel_message_sid: r.get(3)?,
        participant_sid: r.get(4)?,
        status: r.get(5)?,
        error_code: r.get(6)?,
        created_at: r.get(7)?,
        updated_at: r.get(8)?,
    })
}

pub fn list(conn: &Connection, conv: &str, message: &str, w: Window) -> Result<Page<Receipt>> {
    let mut stmt = conn.prepare_cached(&format!(
        "{SELECT} ORDER BY o.created_at, o.sid LIMIT ?3 OFFSET ?4"
    ))?;
    let rows = stmt.query_map(
        params![message, conv, w.sql_limit(), w.sql_offset()],
        from_row,
    )?;
    Ok(Page::from_rows(rows.collect::<rusqlite::Result<_>>()?, w))
}

pub fn find(
    conn: &Connection,
    conv: &str,
    message: &str,
    outbound: &str,
) -> Result<Option<Receipt>> {
    optional(
        conn.prepare_cached(&format!("{SELECT} AND o.sid = ?3"))?
            .query_row(params![message, conv, outbound], from_row),
    )
}

/// Records the carrier's status for one send (the latest callback wins).
pub fn record(
    conn: &Connection,
    outbound_sid: &str,
    message_sid: &str,
    status: &str,
    error_code: Option<i64>,
    now: i64,
) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO message_receipts (outbound_sid, message_sid, status, error_code, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?5) ON CONFLICT (outbound_sid) DO UPDATE SET
           status = excluded.status, error_code = coalesce(excluded.error_code, error_code),
           updated_at = excluded.updated_at",
    )?
    .execute(params![outbound_sid, message_sid, status, error_code, now])?;
    Ok(())
}
