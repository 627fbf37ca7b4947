//! Floor C (issue 23): the data model's own floor for scenario 1. One task create → reservation
//! is run through the real code inside one write, with every table read before and after it in
//! the same transaction, so what it wrote — each row inserted or changed, in every table, with
//! its values — is known exactly. That pattern is then replayed as plain prepared INSERTs and
//! UPDATEs (the SIDs it minted replaced by fresh ones each time), one `Store::write` per task from
//! as many threads as scenario 1 creates with (so commits group the same way), on a copy of the
//! same database (`VACUUM INTO`: the same tables, indexes and size) opened by the store itself
//! (WAL, the same `synchronous`, foreign keys on).
//!
//! The gap between floor C and scenario 1 is the code's (routing, JSON, SIDs, events built in
//! Rust); the gap between floor A and floor C is the data model's (rows × B-trees per task).

use rusqlite::types::Value;
use rusqlite::Connection;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use switchboard::http::App;
use switchboard::routing::tasks::{self, NewTask};
use switchboard::store::Sync;

/// How a table's rows are told apart: the rowid, or (a `WITHOUT ROWID` table) its key columns.
#[derive(Clone)]
enum Key {
    Rowid,
    Columns(Vec<usize>),
}

/// One table's rows: its columns, its key, and key → (key values, row values).
struct Table {
    cols: Vec<String>,
    key: Key,
    rows: HashMap<String, (Vec<Value>, Vec<Value>)>,
}

/// Every row of every table.
type Snapshot = BTreeMap<String, Table>;

/// One write of the pattern.
enum Write {
    /// A new row; `alias` is the column that is the rowid (left to SQLite, as the code does).
    Insert {
        table: String,
        cols: Vec<String>,
        values: Vec<Value>,
        alias: Option<usize>,
    },
    /// A changed row: the columns that changed, and how to find it.
    Update {
        table: String,
        cols: Vec<String>,
        values: Vec<Value>,
        /// `rowid` or the key columns, and their values.
        key_cols: Vec<String>,
        key: Vec<Value>,
    },
}

/// What one task create → reservation writes.
pub struct Pattern {
    writes: Vec<Write>,
    /// The SIDs the create minted (the task's, its reservation's, its events'…): fresh each replay.
    minted: Vec<String>,
    /// Rows the create deleted (not replayed; reported).
    pub deleted: usize,
}

impl Pattern {
    /// `table ×n` for each table written, inserts then updates.
    pub fn detail(&self) -> String {
        let mut counts: Vec<(String, usize)> = Vec::new();
        for w in &self.writes {
            let key = match w {
                Write::Insert { table, .. } => format!("+{table}"),
                Write::Update { table, cols, .. } => format!("~{table}({})", cols.join(",")),
            };
            match counts.iter_mut().find(|(k, _)| *k == key) {
                Some((_, n)) => *n += 1,
                None => counts.push((key, 1)),
            }
        }
        counts
            .iter()
            .map(|(k, n)| {
                if *n > 1 {
                    format!("{k} ×{n}")
                } else {
                    k.clone()
                }
            })
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// `inserted rows, updated rows, tables touched`.
    pub fn shape(&self) -> (usize, usize, usize) {
        let tables: HashSet<&str> = self
            .writes
            .iter()
            .map(|w| match w {
                Write::Insert { table, .. } | Write::Update { table, .. } => table.as_str(),
            })
            .collect();
        let inserts = self
            .writes
            .iter()
            .filter(|w| matches!(w, Write::Insert { .. }))
            .count();
        (inserts, self.writes.len() - inserts, tables.len())
    }
}

fn snapshot(conn: &Connection) -> rusqlite::Result<Snapshot> {
    let tables: Vec<(String, String)> = conn
        .prepare(
            "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
        )?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let mut out = Snapshot::new();
    for (t, sql) in tables {
        let without_rowid = sql.to_ascii_uppercase().contains("WITHOUT ROWID");
        let select = if without_rowid {
            format!("SELECT * FROM \"{t}\"")
        } else {
            format!("SELECT rowid, * FROM \"{t}\"")
        };
        let mut stmt = conn.prepare(&select)?;
        let skip = usize::from(!without_rowid);
        let cols: Vec<String> = stmt.column_names()[skip..]
            .iter()
            .map(|c| c.to_string())
            .collect();
        let key = if without_rowid {
            let pk: Vec<String> = conn
                .prepare(&format!(
                    "SELECT name FROM pragma_table_info('{t}') WHERE pk > 0 ORDER BY pk"
                ))?
                .query_map([], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?;
            Key::Columns(
                pk.iter()
                    .filter_map(|k| cols.iter().position(|c| c == k))
                    .collect(),
            )
        } else {
            Key::Rowid
        };
        let n = cols.len();
        let key_of = key.clone();
        let rows = stmt
            .query_map([], |r| {
                let vals = (skip..skip + n)
                    .map(|i| r.get::<_, Value>(i))
                    .collect::<rusqlite::Result<Vec<_>>>()?;
                let k: Vec<Value> = match &key_of {
                    Key::Rowid => vec![Value::Integer(r.get(0)?)],
                    Key::Columns(ix) => ix.iter().map(|&i| vals[i].clone()).collect(),
                };
                Ok((format!("{k:?}"), (k, vals)))
            })?
            .collect::<rusqlite::Result<HashMap<_, _>>>()?;
        out.insert(t, Table { cols, key, rows });
    }
    Ok(out)
}

/// The column that is the table's rowid (`INTEGER PRIMARY KEY`), if any.
fn rowid_alias(conn: &Connection, table: &str) -> rusqlite::Result<Option<String>> {
    let pk: Vec<(String, String)> = conn
        .prepare(&format!(
            "SELECT name, type, pk FROM pragma_table_info('{table}') WHERE pk > 0"
        ))?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(match pk.as_slice() {
        [(name, ty)] if ty.eq_ignore_ascii_case("INTEGER") => Some(name.clone()),
        _ => None,
    })
}

/// Tables in an order where each comes after the tables its foreign keys name.
fn parents_first(conn: &Connection, tables: &[String]) -> rusqlite::Result<Vec<String>> {
    let mut parents: HashMap<String, Vec<String>> = HashMap::new();
    for t in tables {
        let p: Vec<String> = conn
            .prepare(&format!(
                "SELECT \"table\" FROM pragma_foreign_key_list('{t}')"
            ))?
            .query_map([], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        parents.insert(t.clone(), p);
    }
    let mut done: Vec<String> = Vec::new();
    let mut left: Vec<String> = tables.to_vec();
    while !left.is_empty() {
        let before = left.len();
        left.retain(|t| {
            let ready = parents[t]
                .iter()
                .all(|p| p == t || !tables.contains(p) || done.contains(p));
            if ready {
                done.push(t.clone());
            }
            !ready
        });
        if left.len() == before {
            done.append(&mut left);
        }
    }
    Ok(done)
}

/// A SID this table of SIDs did not hold before: two capitals and 32 hex digits.
fn sids_in(text: &str, out: &mut Vec<String>) {
    let b = text.as_bytes();
    let mut i = 0;
    while i + 34 <= b.len() {
        let w = &b[i..i + 34];
        let starts = i == 0 || !b[i - 1].is_ascii_alphanumeric();
        let ends = i + 34 == b.len() || !b[i + 34].is_ascii_alphanumeric();
        if starts
            && ends
            && w[..2].iter().all(u8::is_ascii_uppercase)
            && w[2..].iter().all(|c| c.is_ascii_hexdigit())
        {
            out.push(text[i..i + 34].to_string());
            i += 34;
        } else {
            i += 1;
        }
    }
}

/// Runs one task create → reservation in `ws` and records what it wrote.
pub fn capture(app: &Arc<App>, ws: &str) -> Pattern {
    app.store
        .write(|tx| -> Result<Pattern, switchboard::routing::Error> {
            let before = snapshot(tx).map_err(switchboard::store::Error::from)?;
            tasks::create_in(
                tx,
                app,
                ws,
                NewTask {
                    attributes: serde_json::json!({"type": "sale", "from": "+15559990000"}),
                    ..Default::default()
                },
            )?;
            let after = snapshot(tx).map_err(switchboard::store::Error::from)?;
            let mut touched: Vec<String> = Vec::new();
            let mut inserts: HashMap<String, Vec<Vec<Value>>> = HashMap::new();
            let mut updates: Vec<Write> = Vec::new();
            let mut deleted = 0;
            let mut known: HashSet<String> = HashSet::new();
            for t in before.values() {
                for (_, vals) in t.rows.values() {
                    for v in vals {
                        if let Value::Text(s) = v {
                            let mut found = Vec::new();
                            sids_in(s, &mut found);
                            known.extend(found);
                        }
                    }
                }
            }
            let mut minted: Vec<String> = Vec::new();
            for (table, t) in &after {
                let old = &before[table].rows;
                deleted += old.keys().filter(|k| !t.rows.contains_key(*k)).count();
                let mut ids: Vec<&String> = t.rows.keys().collect();
                ids.sort();
                for id in ids {
                    let (key, vals) = &t.rows[id];
                    match old.get(id) {
                        None => inserts.entry(table.clone()).or_default().push(vals.clone()),
                        // Only the columns that changed, as the code's UPDATEs set them (setting
                        // a key to itself would run foreign-key checks the code never asks for).
                        Some((_, was)) if was != vals => {
                            let changed: Vec<usize> =
                                (0..t.cols.len()).filter(|&i| was[i] != vals[i]).collect();
                            let key_cols = match &t.key {
                                Key::Rowid => vec!["rowid".to_string()],
                                Key::Columns(ix) => ix.iter().map(|&i| t.cols[i].clone()).collect(),
                            };
                            updates.push(Write::Update {
                                table: table.clone(),
                                cols: changed.iter().map(|&i| t.cols[i].clone()).collect(),
                                values: changed.iter().map(|&i| vals[i].clone()).collect(),
                                key_cols,
                                key: key.clone(),
                            })
                        }
                        Some(_) => continue,
                    }
                    if !touched.contains(table) {
                        touched.push(table.clone());
                    }
                    for v in vals {
                        if let Value::Text(s) = v {
                            let mut found = Vec::new();
                            sids_in(s, &mut found);
                            for f in found {
                                if !known.contains(&f) && !minted.contains(&f) {
                                    minted.push(f);
                                }
                            }
                        }
                    }
                }
            }
            let order = parents_first(tx, &touched).map_err(switchboard::store::Error::from)?;
            let mut writes = Vec::new();
            for table in order {
                let Some(rows) = inserts.remove(&table) else {
                    continue;
                };
                let cols = after[&table].cols.clone();
                let alias = match after[&table].key {
                    Key::Rowid => rowid_alias(tx, &table)
                        .map_err(switchboard::store::Error::from)?
                        .and_then(|a| cols.iter().position(|c| *c == a)),
                    Key::Columns(_) => None,
                };
                for values in rows {
                    writes.push(Write::Insert {
                        table: table.clone(),
                        cols: cols.clone(),
                        values,
                        alias,
                    });
                }
            }
            writes.extend(updates);
            Ok(Pattern {
                writes,
                minted,
                deleted,
            })
        })
        .expect("capture floor C's pattern")
}

/// The pattern's values with the minted SIDs replaced by this replay's.
fn fresh(v: &Value, minted: &[String], n: u64) -> Value {
    match v {
        Value::Text(s) if minted.iter().any(|m| s.contains(m.as_str())) => {
            let mut s = s.clone();
            for (i, m) in minted.iter().enumerate() {
                if s.contains(m.as_str()) {
                    s = s.replace(
                        m.as_str(),
                        &format!("{}{:016x}{:08x}{:08x}", &m[..2], n, i, 0xfc),
                    );
                }
            }
            Value::Text(s)
        }
        v => v.clone(),
    }
}

/// The SQL of each write.
fn statements(pattern: &Pattern) -> Vec<String> {
    pattern
        .writes
        .iter()
        .map(|w| match w {
            Write::Insert { table, cols, .. } => {
                let names: Vec<String> = cols.iter().map(|c| format!("\"{c}\"")).collect();
                let marks: Vec<String> = (1..=cols.len()).map(|i| format!("?{i}")).collect();
                format!(
                    "INSERT INTO \"{table}\" ({}) VALUES ({})",
                    names.join(", "),
                    marks.join(", ")
                )
            }
            Write::Update {
                table,
                cols,
                key_cols,
                ..
            } => {
                let sets: Vec<String> = cols
                    .iter()
                    .enumerate()
                    .map(|(i, c)| format!("\"{c}\" = ?{}", i + 1))
                    .collect();
                let wheres: Vec<String> = key_cols
                    .iter()
                    .enumerate()
                    .map(|(i, c)| format!("{c} = ?{}", cols.len() + i + 1))
                    .collect();
                format!(
                    "UPDATE \"{table}\" SET {} WHERE {}",
                    sets.join(", "),
                    wheres.join(" AND ")
                )
            }
        })
        .collect()
}

/// One replay of the pattern inside `tx`, its minted SIDs made unique by `n`.
fn replay(tx: &Connection, pattern: &Pattern, sql: &[String], n: u64) -> rusqlite::Result<()> {
    for (w, sql) in pattern.writes.iter().zip(sql) {
        let mut stmt = tx.prepare_cached(sql)?;
        match w {
            Write::Insert { values, alias, .. } => {
                let vals: Vec<Value> = values
                    .iter()
                    .enumerate()
                    .map(|(i, v)| {
                        if Some(i) == *alias {
                            Value::Null
                        } else {
                            fresh(v, &pattern.minted, n)
                        }
                    })
                    .collect();
                stmt.execute(rusqlite::params_from_iter(vals))?;
            }
            Write::Update { values, key, .. } => {
                let mut vals: Vec<Value> = values
                    .iter()
                    .map(|v| fresh(v, &pattern.minted, n))
                    .collect();
                vals.extend(key.iter().cloned());
                stmt.execute(rusqlite::params_from_iter(vals))?;
            }
        }
    }
    Ok(())
}

/// Replays `pattern` for `dur` on a copy of the live database, committed the way the code's
/// creates are: through `Store::write` (its group commit) from `writers` threads, one write per
/// task. Tasks per second.
pub fn measure(
    app: &Arc<App>,
    dir: &Path,
    sync: Sync,
    pattern: &Pattern,
    writers: usize,
    dur: Duration,
) -> f64 {
    use switchboard::store::{Error, Store};
    let copy = dir.join(format!("floor-c-{}.db", sync.as_str()));
    let _ = std::fs::remove_file(&copy);
    app.store
        .read(|c| -> Result<(), Error> {
            c.execute("VACUUM INTO ?1", [copy.display().to_string()])?;
            Ok(())
        })
        .expect("copy the database");
    let store = Store::open(&copy, sync).expect("open the copy");
    let sql = statements(pattern);
    let next = AtomicU64::new(0);
    let start = Instant::now();
    std::thread::scope(|s| {
        for _ in 0..writers {
            s.spawn(|| {
                while start.elapsed() < dur {
                    let n = next.fetch_add(1, Ordering::Relaxed);
                    store
                        .write(|tx| -> Result<(), Error> { Ok(replay(tx, pattern, &sql, n)?) })
                        .expect("replay");
                }
            });
        }
    });
    let rate = next.load(Ordering::Relaxed) as f64 / start.elapsed().as_secs_f64();
    drop(store);
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", copy.display()));
    }
    rate
}
