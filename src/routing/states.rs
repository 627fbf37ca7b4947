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
