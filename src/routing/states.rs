//! The life-cycle states of tasks and reservations, stored as TEXT, with the transitions Twilio
//! allows. https://www.twilio.com/docs/taskrouter/lifecycle-task-state

use rusqlite::types::{FromSql, FromSqlError, FromSqlResult, ToSql, ToSqlOutput, ValueRef};

macro_rules! text_enum {
    ($name:ident { $($variant:ident => $text:literal,)* }) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name { $($variant,)* }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant,)*];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text,)* }
            }

            pub fn parse(s: &str) -> Option<$name> {
                match s { $($text => Some($name::$variant),)* _ => None }
            }
        }

        impl ToSql for $name {
            fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
                Ok(ToSqlOutput::from(self.as_str()))
            }
        }

        impl FromSql for $name {
            fn column_result(v: ValueRef<'_>) -> FromSqlResult<Self> {
                let s = v.as_str()?;
                $name::parse(s).ok_or_else(|| FromSqlError::Other(
                    format!("unknown {} {s:?}", stringify!($name)).into()))
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

text_enum!(TaskStatus {
    Pending => "pending",
    Reserved => "reserved",
    Assigned => "assigned",
    Wrapping => "wrapping",
    Completed => "completed",
    Canceled => "canceled",
});

text_enum!(ReservationStatus {
    Pending => "pending",
    Accepted => "accepted",
    Rejected => "rejected",
    Timeout => "timeout",
    Canceled => "canceled",
    Rescinded => "rescinded",
    Wrapping => "wrapping",
    Completed => "completed",
});

impl TaskStatus {
    /// Whether an API update (or another module) may move a task from `self` to `to`.
    pub fn can_become(self, to: TaskStatus) -> bool {
        use TaskStatus::*;
        matches!(
            (self, to),
            (Pending | Reserved, Canceled)
                | (Assigned, Wrapping)
                | (Assigned | Wrapping, Completed)
        )
    }

    /// Pending, reserved, assigned or wrapping: the task still counts in queues and statistics.
    pub fn is_live(self) -> bool {
        !matches!(self, TaskStatus::Completed | TaskStatus::Canceled)
    }
}

impl ReservationStatus {
    /// Pending, accepted or wrapping: the reservation holds one unit of the worker's capacity.
    pub fn holds_capacity(self) -> bool {
        matches!(
            self,
            ReservationStatus::Pending | ReservationStatus::Accepted | ReservationStatus::Wrapping
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn task_transitions_follow_twilio() {
        use TaskStatus::*;
        assert!(Pending.can_become(Canceled));
        assert!(Assigned.can_become(Wrapping));
        assert!(Wrapping.can_become(Completed));
        assert!(!Pending.can_become(Completed));
        assert!(!Completed.can_become(Canceled));
        assert!(!Assigned.can_become(Canceled));
        for s in TaskStatus::ALL {
            assert_eq!(TaskStatus::parse(s.as_str()), Some(*s));
        }
    }
}
