//! Examples of the grade maths, one rule each.

use super::*;

fn mark(id: i64, category: &str, max: f64, entry: Entry) -> Mark {
    Mark {
        assessment_id: id,
        title: format!("A{id}").into(),
        category: category.into(),
        max_score: max,
        entry,
    }
}

#[test]
fn a_stored_score_is_written_as_format_score_writes_it() {
    // Values numeric(7,2) can hold, as PostgreSQL hands them over (a float8): every one up
    // to 2,000, then a spread to the largest.
    for h in (0..=200_000i64)
        .chain((200_000..=9_999_999).step_by(97))
        .chain([9_999_999])
    {
        let v = h as f64 / 100.0;
        assert_eq!(StoredScore(v).to_string(), format_score(v), "{h}");
    }
    assert_eq!(StoredScore(7.5).to_string(), "7.5");
    assert_eq!(StoredScore(10.0).to_string(), "10");
    assert_eq!(StoredScore(0.05).to_string(), "0.05");
}

fn weights(pairs: &[(&str, f64)]) -> BTreeMap<String, f64> {
    pairs.iter().map(|(c, w)| (c.to_string(), *w)).collect()
}

#[test]
fn cells_accept_numbers_ex_and_mi_and_refuse_the_rest() {
    assert_eq!(parse_entry("", 10.0), Ok(None));
    assert_eq!(parse_entry(" 7.5 ", 10.0), Ok(Some(Entry::Score(7.5))));
    assert_eq!(parse_entry("10", 10.0), Ok(Some(Entry::Score(10.0))));
    assert_eq!(parse_entry("0", 10.0), Ok(Some(Entry::Score(0.0))));
    assert_eq!(parse_entry("ex", 10.0), Ok(Some(Entry::Excused)));
    assert_eq!(parse_entry("MI", 10.0), Ok(Some(Entry::Missing)));
    for bad in [
        "10.01", "-1", "11", "7.123", "abc", "1e3", "NaN", "inf", "7.", ".5", "1,5", "7 5", "0x10",
        "+3", "９",
    ] {
        assert!(parse_entry(bad, 10.0).is_err(), "{bad} should be refused");
    }
    assert_eq!(
        parse_entry("7.123", 10.0),
        Err(EntryError("Use at most two decimals.".into()))
    );
}

#[test]
fn weights_rescale_over_categories_with_work() {
    let marks = [
        mark(1, "Test", 50.0, Entry::Score(40.0)), // 80 %
        mark(2, "Quiz", 10.0, Entry::Score(5.0)),  // 50 %
        mark(3, "Quiz", 10.0, Entry::Score(10.0)), // 100 %
    ];
    // Tests 50, quizzes 20, assignments 30 (no assignments yet): 80·50/70 + 75·20/70.
    let w = weights(&[("Test", 50.0), ("Quiz", 20.0), ("Assignment", 30.0)]);
    let e = explain_average(marks.to_vec(), &w, Policy::default());
    let expected = 80.0 * 50.0 / 70.0 + 75.0 * 20.0 / 70.0;
    assert!((e.average.unwrap() - expected).abs() < 1e-9);
    let assignment = e
        .categories
        .iter()
        .find(|c| c.category == "Assignment")
        .unwrap();
    assert_eq!(assignment.mean, None);
    assert_eq!(assignment.share, 0.0);
}

#[test]
fn missing_counts_only_where_the_school_says_so_and_excused_never() {
    let marks = [
        mark(1, "Test", 10.0, Entry::Score(8.0)),
        mark(2, "Test", 10.0, Entry::Missing),
        mark(3, "Test", 10.0, Entry::Excused),
    ];
    let none = BTreeMap::new();
    assert_eq!(average(&marks, &none, Policy::default()), Some(80.0));
    let zero = Policy {
        missing_counts_as_zero: true,
    };
    assert_eq!(average(&marks, &none, zero), Some(40.0));
    assert_eq!(average(&marks[1..], &none, Policy::default()), None);
}

#[test]
fn work_in_an_unweighted_category_is_left_out_and_says_why() {
    let marks = [
        mark(1, "Test", 10.0, Entry::Score(8.0)),
        mark(2, "Project", 10.0, Entry::Score(2.0)),
    ];
    let e = explain_average(
        marks.to_vec(),
        &weights(&[("Test", 1.0)]),
        Policy::default(),
    );
    assert_eq!(e.average, Some(80.0));
    assert_eq!(e.marks[1].1, Treatment::LeftOutNoWeight);
}

#[test]
fn letters_follow_the_scale_at_the_boundaries() {
    let s = GradeScale::default();
    assert_eq!(s.letter(90.0), "A");
    assert_eq!(s.letter(89.999), "B");
    assert_eq!(s.letter(60.0), "D");
    assert_eq!(s.letter(0.0), "F");
    assert_eq!(s.letter_of(None), "—");
}

#[test]
fn stats_of_a_small_set() {
    let st = stats(&[50.0, 70.0, 90.0, 100.0], &GradeScale::default());
    assert_eq!(st.count, 4);
    assert_eq!(st.mean, Some(77.5));
    assert_eq!(st.median, Some(80.0));
    assert_eq!((st.min, st.max), (Some(50.0), Some(100.0)));
    assert!((st.std_dev.unwrap() - 19.202864369671523).abs() < 1e-9);
    assert_eq!(st.bands[0], ("A".to_string(), 2));
    assert_eq!(st.bands[2], ("C".to_string(), 1));
    assert_eq!(st.bands[4], ("F".to_string(), 1));
    let empty = stats(&[], &GradeScale::default());
    assert_eq!((empty.count, empty.mean, empty.median), (0, None, None));
}
