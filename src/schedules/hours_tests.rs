use super::*;

fn r(day: &str, open: &str, close: &str) -> Range {
    Range {
        day: day.into(),
        open: open.into(),
        close: close.into(),
    }
}

fn weekdays(open: &str, close: &str) -> Vec<Range> {
    DAYS[..5].iter().map(|d| r(d, open, close)).collect()
}

/// Unix ms of a local time in `tz`.
fn at(tz: &str, s: &str) -> i64 {
    let dt: DateTime = s.parse().unwrap();
    TimeZone::get(tz)
        .unwrap()
        .to_ambiguous_timestamp(dt)
        .compatible()
        .unwrap()
        .as_millisecond()
}

#[test]
fn open_during_hours_closed_outside_with_next_times() {
    let tz = "Europe/Paris";
    let h = Hours::new(tz, &weekdays("09:00", "17:00"), &[], &[]).unwrap();
    // Thursday 3 December 2026, 10:00 in Paris.
    let s = h.status(at(tz, "2026-12-03T10:00"));
    assert!(s.open);
    assert_eq!(s.next_close, Some(at(tz, "2026-12-03T17:00")));
    assert_eq!(s.next_open, Some(at(tz, "2026-12-04T09:00")));
    // Friday 17:00 sharp is closed; it opens Monday 09:00.
    let s = h.status(at(tz, "2026-12-04T17:00"));
    assert!(!s.open);
    assert_eq!(s.reason, Some("outside_hours"));
    assert_eq!(s.next_open, Some(at(tz, "2026-12-07T09:00")));
    assert_eq!(s.next_close, Some(at(tz, "2026-12-07T17:00")));
    assert_eq!(
        h.local_text(s.next_open.unwrap()),
        "Monday 7 December 2026, 09:00 CET"
    );
}

#[test]
fn dst_keeps_wall_clock_hours() {
    let tz = "America/New_York";
    let h = Hours::new(tz, &weekdays("09:00", "17:00"), &[], &[]).unwrap();
    // Clocks go forward on Sunday 8 March 2026: Friday's closing to Monday's opening is 63 h,
    // one less than the 64 h of a weekend without a change.
    let fri = h.status(at(tz, "2026-03-06T12:00"));
    let mon = h.status(fri.next_close.unwrap());
    assert_eq!(
        mon.next_open.unwrap() - fri.next_close.unwrap(),
        63 * 3_600_000
    );
    assert_eq!(
        h.local_iso(mon.next_open.unwrap()),
        "2026-03-09T09:00:00-04:00"
    );
    // A range inside the gap (02:00–03:00 does not exist that Sunday) moves past it.
    let night = Hours::new(tz, &[r("sunday", "02:30", "04:00")], &[], &[]).unwrap();
    let s = night.status(at(tz, "2026-03-08T00:00"));
    assert_eq!(
        night.local_iso(s.next_open.unwrap()),
        "2026-03-08T03:30:00-04:00"
    );
}

#[test]
fn adjacent_ranges_across_midnight_are_one_opening() {
    let tz = "UTC";
    let ranges = vec![r("mon", "20:00", "24:00"), r("tue", "00:00", "06:00")];
    let h = Hours::new(tz, &ranges, &[], &[]).unwrap();
    let s = h.status(at(tz, "2026-12-07T23:00"));
    assert!(s.open);
    assert_eq!(s.next_close, Some(at(tz, "2026-12-08T06:00")));
    assert_eq!(s.next_open, Some(at(tz, "2026-12-14T20:00")));
}

#[test]
fn always_open_has_no_closing() {
    let all: Vec<Range> = DAYS.iter().map(|d| r(d, "00:00", "24:00")).collect();
    let h = Hours::new("UTC", &all, &[], &[]).unwrap();
    let s = h.status(at("UTC", "2026-12-03T10:00"));
    assert!(s.open);
    assert_eq!((s.next_close, s.next_open), (None, None));
    let never = Hours::new("UTC", &[], &[], &[]).unwrap();
    let s = never.status(0);
    assert!(!s.open);
    assert_eq!((s.next_open, s.next_close), (None, None));
}

#[test]
fn holidays_and_closures_close_the_office() {
    let tz = "Europe/London";
    let holidays = vec![Holiday {
        date: "2026-12-25".into(),
        name: "Christmas".into(),
    }];
    let closures = vec![Closure {
        start: "2026-12-24T13:00".into(),
        end: "2026-12-24T15:00".into(),
        name: "Staff party".into(),
    }];
    let h = Hours::new(tz, &weekdays("09:00", "17:00"), &holidays, &closures).unwrap();
    let s = h.status(at(tz, "2026-12-24T12:00"));
    assert!(s.open);
    assert_eq!(s.next_close, Some(at(tz, "2026-12-24T13:00")));
    assert_eq!(s.next_open, Some(at(tz, "2026-12-24T15:00")));
    let s = h.status(at(tz, "2026-12-24T14:00"));
    assert_eq!((s.open, s.reason), (false, Some("closure")));
    assert_eq!(s.reason_name.as_deref(), Some("Staff party"));
    let s = h.status(at(tz, "2026-12-25T10:00"));
    assert_eq!((s.open, s.reason), (false, Some("holiday")));
    assert_eq!(s.next_open, Some(at(tz, "2026-12-28T09:00")));
}

#[test]
fn impossible_and_overlapping_ranges_are_named() {
    let e = check_ranges(&[r("monday", "17:00", "09:00")]).unwrap_err();
    assert!(e.problem.contains("monday 17:00-09:00"), "{}", e.problem);
    let e = check_ranges(&[r("mon", "09:00", "12:00"), r("Monday", "11:00", "14:00")]).unwrap_err();
    assert_eq!(e.problem, "monday 11:00-14:00 overlaps monday 09:00-12:00");
    assert!(check_ranges(&[r("mon", "09:00", "12:00"), r("mon", "12:00", "14:00")]).is_ok());
    assert!(check_ranges(&[r("funday", "09:00", "12:00")]).is_err());
    assert!(check_ranges(&[r("mon", "9:00", "25:00")]).is_err());
    assert!(check_ranges(&[r("mon", "24:00", "24:00")]).is_err());
    let e = check_closures(&[
        Closure {
            start: "2026-12-24T13:00".into(),
            end: "2026-12-24T15:00".into(),
            name: "A".into(),
        },
        Closure {
            start: "2026-12-24T14:00".into(),
            end: "2026-12-24T16:00".into(),
            name: "B".into(),
        },
    ])
    .unwrap_err();
    assert!(
        e.problem.contains("overlaps the closure \"A\""),
        "{}",
        e.problem
    );
    let e = check_holidays(&[
        Holiday {
            date: "2026-12-25".into(),
            name: "x".into(),
        },
        Holiday {
            date: "2026-12-25".into(),
            name: "y".into(),
        },
    ])
    .unwrap_err();
    assert!(e.problem.contains("listed twice"));
    assert!(time_zone("Mars/Olympus").is_err());
    assert!(time_zone("Asia/Kolkata").is_ok());
}
