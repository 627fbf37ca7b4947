//! The life-cycle states of tasks and reservations, stored as TEXT, with the transitions Twilio
//! allows. https://www.twilio.com/docs/taskrouter/lifecycle-task-state

pub use crate::states::{ReservationStatus, TaskStatus};

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
    /// Whether a reservation may move from `self` to `to`: a pending one is accepted, rejected,
    /// timed out, canceled or rescinded; an accepted one wraps up or completes; a wrapping one
    /// completes. https://www.twilio.com/docs/taskrouter/api/reservations
    pub fn can_become(self, to: ReservationStatus) -> bool {
        use ReservationStatus::*;
        matches!(
            (self, to),
            (
                Pending,
                Accepted | Rejected | Timeout | Canceled | Rescinded
            ) | (Accepted, Wrapping)
                | (Accepted | Wrapping, Completed)
        )
    }

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

    #[test]
    fn reservation_transitions_follow_twilio() {
        use ReservationStatus::*;
        for to in [Accepted, Rejected, Timeout, Canceled, Rescinded] {
            assert!(Pending.can_become(to), "pending → {to}");
        }
        assert!(Accepted.can_become(Wrapping) && Accepted.can_become(Completed));
        assert!(Wrapping.can_become(Completed));
        assert!(!Pending.can_become(Wrapping) && !Pending.can_become(Completed));
        assert!(!Wrapping.can_become(Accepted) && !Accepted.can_become(Rejected));
        for end in [Rejected, Timeout, Canceled, Rescinded, Completed] {
            assert!(ReservationStatus::ALL.iter().all(|to| !end.can_become(*to)));
        }
    }
}
