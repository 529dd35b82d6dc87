//! Grade maths that hold everywhere (DESIGN.md §4): the one place that computes percentages,
//! category-weighted averages, letter grades and statistics, and explains each average.
//!
//! - Percentage = score ÷ max score × 100.
//! - A subject average is the category-weighted mean of percentages: within a category every
//!   assessment counts equally; categories with no counted work are left out and the remaining
//!   weights rescaled; excused work is left out; missing work counts as 0 only where the school
//!   says so (otherwise it is left out). With no weights at all, every assessment counts equally.
//!   When weights exist, work in a category without a weight is left out (and says so).
//! - The overall average is the mean of the subject averages that exist.

use std::collections::BTreeMap;
use std::sync::Arc;

/// A cell's content as the teacher entered it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Entry {
    /// A score between 0 and the maximum.
    Score(f64),
    /// `EX`: left out of every average.
    Excused,
    /// `MI`: counts as 0 where the school says so, else left out.
    Missing,
}

/// Why a cell refuses its input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryError(pub String);

/// Parses what was typed in a cell: blank (None), `EX`, `MI` or a number from 0 to `max` with at
/// most two decimals.
pub fn parse_entry(raw: &str, max: f64) -> Result<Option<Entry>, EntryError> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    match raw.to_ascii_uppercase().as_str() {
        "EX" => return Ok(Some(Entry::Excused)),
        "MI" => return Ok(Some(Entry::Missing)),
        _ => {}
    }
    let well_formed = {
        let (int, frac) = raw.split_once('.').unwrap_or((raw, ""));
        !int.is_empty()
            && int.len() <= 7
            && int.bytes().all(|b| b.is_ascii_digit())
            && frac.bytes().all(|b| b.is_ascii_digit())
            && !(raw.contains('.') && frac.is_empty())
    };
    if !well_formed {
        if raw.starts_with('-') {
            return Err(EntryError(format!(
                "Enter a score from 0 to {}.",
                format_score(max)
            )));
        }
        return Err(EntryError(
            "Enter a number, EX (excused) or MI (missing).".into(),
        ));
    }
    if raw.split_once('.').is_some_and(|(_, f)| f.len() > 2) {
        return Err(EntryError("Use at most two decimals.".into()));
    }
    let value: f64 = raw
        .parse()
        .map_err(|_| EntryError("Enter a number, EX (excused) or MI (missing).".into()))?;
    if !(0.0..=max).contains(&value) {
        return Err(EntryError(format!(
            "Enter a score from 0 to {}.",
            format_score(max)
        )));
    }
    Ok(Some(Entry::Score(value)))
}

/// A score as typed back into a cell: `7`, `7.5`, `7.25`.
pub fn format_score(value: f64) -> String {
    let s = format!("{value:.2}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// A stored score (at most two decimals) as [`format_score`] writes it, without allocating: a
/// grid writes hundreds of them per page.
pub struct StoredScore(pub f64);

impl StoredScore {
    /// Writes the score to `out` (integers through `itoa`, not the formatting machinery).
    pub fn write_to<W: std::fmt::Write + ?Sized>(&self, out: &mut W) -> std::fmt::Result {
        let hundredths = (self.0 * 100.0).round() as i64;
        if hundredths < 0 {
            out.write_char('-')?;
        }
        let h = hundredths.unsigned_abs();
        let (whole, part) = (h / 100, h % 100);
        out.write_str(itoa::Buffer::new().format(whole))?;
        let digit = |d: u64| char::from(b'0' + d as u8);
        if part != 0 {
            out.write_char('.')?;
            out.write_char(digit(part / 10))?;
        }
        if part % 10 != 0 {
            out.write_char(digit(part % 10))?;
        }
        Ok(())
    }
}

impl std::fmt::Display for StoredScore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.write_to(f)
    }
}

/// A percentage for display: one decimal, `—` for none. Thresholds compare unrounded values.
pub fn format_percent(value: Option<f64>) -> String {
    value.map_or("—".into(), |v| format!("{v:.1} %"))
}

/// One entered mark, as the average sees it. Title and category are shared (a grid makes a mark
/// per cell, and every explanation keeps its marks).
#[derive(Debug, Clone, PartialEq)]
pub struct Mark {
    pub assessment_id: i64,
    pub title: Arc<str>,
    pub category: Arc<str>,
    pub max_score: f64,
    pub entry: Entry,
}

/// A score as a percentage of its assessment's maximum (none for a maximum that is not positive).
pub fn percent(score: f64, max_score: f64) -> Option<f64> {
    (max_score > 0.0).then(|| score / max_score * 100.0)
}

impl Mark {
    pub fn percent(&self) -> Option<f64> {
        match self.entry {
            Entry::Score(s) => percent(s, self.max_score),
            _ => None,
        }
    }
}

/// The sentence that says how a school's averages treat missing and excused work.
pub fn policy_note(missing_zero: bool) -> String {
    if missing_zero {
        "This school counts missing work (MI) as 0 %. Excused work (EX) is always left out.".into()
    } else {
        "This school leaves missing work (MI) out of averages. Excused work (EX) is always left out.".into()
    }
}

/// How missing work counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Policy {
    pub missing_counts_as_zero: bool,
}

/// Why a mark is or is not in an average.
#[derive(Debug, Clone, PartialEq)]
pub enum Treatment {
    Counted(f64),
    MissingAsZero,
    LeftOutExcused,
    LeftOutMissing,
    LeftOutNoWeight,
}

impl Treatment {
    pub fn counted(&self) -> Option<f64> {
        match self {
            Self::Counted(p) => Some(*p),
            Self::MissingAsZero => Some(0.0),
            _ => None,
        }
    }

    pub fn describe(&self) -> String {
        match self {
            Self::Counted(p) => format!("counted at {p:.1} %"),
            Self::MissingAsZero => "missing: counted as 0 % (school rule)".into(),
            Self::LeftOutExcused => "excused: left out".into(),
            Self::LeftOutMissing => "missing: left out (school rule)".into(),
            Self::LeftOutNoWeight => "left out: its category has no weight".into(),
        }
    }
}

/// A category's part in an average.
#[derive(Debug, Clone, PartialEq)]
pub struct CategoryPart {
    pub category: String,
    /// The weight set for the class and subject (None: no weights set, each mark counts equally).
    pub weight: Option<f64>,
    /// Marks counted.
    pub counted: usize,
    /// Mean percentage of the counted marks (None: nothing counted, category left out).
    pub mean: Option<f64>,
    /// The share of the average after rescaling (0 when left out).
    pub share: f64,
}

impl CategoryPart {
    pub fn mean_label(&self) -> String {
        format_percent(self.mean)
    }
    pub fn weight_label(&self) -> String {
        self.weight.map_or("—".into(), format_score)
    }
    pub fn share_label(&self) -> String {
        match self.mean {
            Some(_) => format!("{:.1} %", self.share * 100.0),
            None => "left out (no counted work)".into(),
        }
    }
}

impl Mark {
    pub fn entry_label(&self) -> String {
        match self.entry {
            Entry::Score(s) => format!("{} / {}", format_score(s), format_score(self.max_score)),
            Entry::Excused => "EX".into(),
            Entry::Missing => "MI".into(),
        }
    }
}

impl Explanation {
    pub fn average_label(&self) -> String {
        format_percent(self.average)
    }
}

/// An average and how it was made.
#[derive(Debug, Clone, PartialEq)]
pub struct Explanation {
    pub average: Option<f64>,
    pub weighted: bool,
    pub marks: Vec<(Mark, Treatment)>,
    pub categories: Vec<CategoryPart>,
}

/// What a mark with `entry` (out of `max_score`) counts as (DESIGN.md §4): excused work is left
/// out; with weights set, work in a category without a weight is left out; missing work counts
/// as zero only where the school says so. The one place that decides it, for an explanation and
/// for an average alone.
fn treatment(
    entry: Entry,
    max_score: f64,
    weight: Option<f64>,
    weighted: bool,
    policy: Policy,
) -> Treatment {
    match entry {
        Entry::Excused => Treatment::LeftOutExcused,
        _ if weighted && weight.is_none_or(|w| w <= 0.0) => Treatment::LeftOutNoWeight,
        Entry::Missing if policy.missing_counts_as_zero => Treatment::MissingAsZero,
        Entry::Missing => Treatment::LeftOutMissing,
        Entry::Score(s) => Treatment::Counted(percent(s, max_score).unwrap_or(0.0)),
    }
}

/// The categories an average is made of: with weights, each weighted category in the weights'
/// order; without, one pool of all work. Each gathers its counted percentages as a running sum
/// and count, in the order of the marks.
struct Pools<'w> {
    weighted: bool,
    /// (category, weight, sum, count).
    pools: Vec<(&'w str, f64, f64, usize)>,
}

impl<'w> Pools<'w> {
    fn new(weights: &'w BTreeMap<String, f64>) -> Self {
        let weighted = weights.values().any(|w| *w > 0.0);
        let pools = if weighted {
            (weights.iter())
                .filter(|(_, w)| **w > 0.0)
                .map(|(c, w)| (c.as_str(), *w, 0.0, 0))
                .collect()
        } else {
            vec![("", 0.0, 0.0, 0)]
        };
        Self { weighted, pools }
    }

    /// The pool of a mark in `category` (None: its category has no weight).
    fn of(&self, category: &str) -> Option<usize> {
        if self.weighted {
            self.pools.iter().position(|p| p.0 == category)
        } else {
            Some(0)
        }
    }

    /// Treats one mark and adds it to its pool if it counts.
    fn add(&mut self, category: &str, max_score: f64, entry: Entry, policy: Policy) -> Treatment {
        let pool = self.of(category);
        let weight = pool.map(|i| self.pools[i].1);
        let t = treatment(entry, max_score, weight, self.weighted, policy);
        if let (Some(i), Some(p)) = (pool, t.counted()) {
            self.pools[i].2 += p;
            self.pools[i].3 += 1;
        }
        t
    }

    fn mean(pool: &(&str, f64, f64, usize)) -> Option<f64> {
        (pool.3 > 0).then(|| pool.2 / pool.3 as f64)
    }

    /// The average: the pool's mean without weights; with weights, the weighted mean of the
    /// pools that have counted work, their weights rescaled to sum to one. Also each pool's
    /// share (0 when left out).
    fn average(&self) -> (Option<f64>, Vec<f64>) {
        if !self.weighted {
            let average = Self::mean(&self.pools[0]);
            return (average, vec![if average.is_some() { 1.0 } else { 0.0 }]);
        }
        let total: f64 = (self.pools.iter())
            .filter(|p| Self::mean(p).is_some())
            .map(|p| p.1)
            .sum();
        let mut shares = vec![0.0; self.pools.len()];
        if total <= 0.0 {
            return (None, shares);
        }
        let mut sum = 0.0;
        for (p, share) in self.pools.iter().zip(shares.iter_mut()) {
            if let Some(m) = Self::mean(p) {
                *share = p.1 / total;
                sum += m * *share;
            }
        }
        (Some(sum), shares)
    }
}

/// The category-weighted average of `marks` (DESIGN.md §4), with its explanation. `weights` maps
/// category names to positive weights; empty means every mark counts equally.
pub fn explain_average(
    marks: Vec<Mark>,
    weights: &BTreeMap<String, f64>,
    policy: Policy,
) -> Explanation {
    let mut pools = Pools::new(weights);
    let treated: Vec<(Mark, Treatment)> = marks
        .into_iter()
        .map(|m| {
            let t = pools.add(&m.category, m.max_score, m.entry, policy);
            (m, t)
        })
        .collect();
    let (average, shares) = pools.average();
    let categories = (pools.pools.iter().zip(shares))
        .map(|(p, share)| CategoryPart {
            // With no weights, all work is one pool in which every mark counts equally.
            category: if pools.weighted {
                p.0.to_string()
            } else {
                "All work".into()
            },
            weight: pools.weighted.then_some(p.1),
            counted: p.3,
            mean: Pools::mean(p),
            share,
        })
        .collect();
    Explanation {
        average,
        weighted: pools.weighted,
        marks: treated,
        categories,
    }
}

/// The average alone, as [`explain_average`] makes it, of marks given as (category, maximum
/// score, entry): no explanation is built (a grid needs thirty averages per page, and only
/// their figures).
pub fn average_of<'a>(
    marks: impl IntoIterator<Item = (&'a str, f64, Entry)>,
    weights: &BTreeMap<String, f64>,
    policy: Policy,
) -> Option<f64> {
    let mut pools = Pools::new(weights);
    for (category, max_score, entry) in marks {
        pools.add(category, max_score, entry, policy);
    }
    pools.average().0
}

/// The average alone.
pub fn average(marks: &[Mark], weights: &BTreeMap<String, f64>, policy: Policy) -> Option<f64> {
    average_of(
        marks.iter().map(|m| (&*m.category, m.max_score, m.entry)),
        weights,
        policy,
    )
}

/// The overall average: the mean of the subject averages that exist.
pub fn overall(subject_averages: &[Option<f64>]) -> Option<f64> {
    let present: Vec<f64> = subject_averages.iter().flatten().copied().collect();
    mean(&present)
}

fn mean(values: &[f64]) -> Option<f64> {
    (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64)
}

/// A school's letter bands: the lowest percentage for each letter.
#[derive(Debug, Clone, PartialEq)]
pub struct GradeScale {
    /// (letter, minimum percent), any order.
    pub bands: Vec<(String, f64)>,
}

impl Default for GradeScale {
    fn default() -> Self {
        Self {
            bands: vec![
                ("A".into(), 90.0),
                ("B".into(), 80.0),
                ("C".into(), 70.0),
                ("D".into(), 60.0),
                ("F".into(), 0.0),
            ],
        }
    }
}

impl GradeScale {
    /// Bands from the highest minimum down.
    pub fn ordered(&self) -> Vec<(String, f64)> {
        let mut bands = self.bands.clone();
        bands.sort_by(|a, b| b.1.total_cmp(&a.1));
        bands
    }

    /// The letter for a percentage: the band with the highest minimum it reaches.
    pub fn letter(&self, percent: f64) -> String {
        self.band_of(percent)
            .map_or_else(|| "—".into(), str::to_string)
    }

    /// The band with the highest minimum that `percent` reaches (no allocation: pages call this
    /// for every cell and statistic).
    fn band_of(&self, percent: f64) -> Option<&str> {
        self.bands
            .iter()
            .filter(|(_, min)| percent >= *min)
            .max_by(|a, b| a.1.total_cmp(&b.1))
            .map(|(l, _)| l.as_str())
    }

    pub fn letter_of(&self, percent: Option<f64>) -> String {
        percent.map_or_else(|| "—".into(), |p| self.letter(p))
    }
}

/// Count, mean, median, minimum, maximum, standard deviation and grade bands of percentages.
#[derive(Debug, Clone, PartialEq)]
pub struct Stats {
    pub count: usize,
    pub mean: Option<f64>,
    pub median: Option<f64>,
    pub min: Option<f64>,
    pub max: Option<f64>,
    /// Population standard deviation.
    pub std_dev: Option<f64>,
    /// (letter, how many), highest band first.
    pub bands: Vec<(String, usize)>,
}

pub fn stats(values: &[f64], scale: &GradeScale) -> Stats {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len();
    let mean_v = mean(&sorted);
    let median = (n > 0).then(|| {
        if n % 2 == 1 {
            sorted[n / 2]
        } else {
            (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0
        }
    });
    let std_dev =
        mean_v.map(|m| (sorted.iter().map(|v| (v - m).powi(2)).sum::<f64>() / n as f64).sqrt());
    let letters: Vec<Option<&str>> = sorted.iter().map(|v| scale.band_of(*v)).collect();
    let bands = scale
        .ordered()
        .into_iter()
        .map(|(letter, _)| {
            let count = letters
                .iter()
                .filter(|l| **l == Some(letter.as_str()))
                .count();
            (letter, count)
        })
        .collect();
    Stats {
        count: n,
        mean: mean_v,
        median,
        min: sorted.first().copied(),
        max: sorted.last().copied(),
        std_dev,
        bands,
    }
}

#[cfg(test)]
mod tests {
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
            "10.01", "-1", "11", "7.123", "abc", "1e3", "NaN", "inf", "7.", ".5", "1,5", "7 5",
            "0x10", "+3", "９",
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
}

/// Property-based tests over random gradebooks.
#[cfg(test)]
mod props {
    use super::*;
    use proptest::prelude::*;

    const CATEGORIES: [&str; 4] = ["Quiz", "Test", "Exam", "Assignment"];

    fn arb_mark() -> impl Strategy<Value = Mark> {
        (0usize..4, 1u32..=100, 0u32..=10_000, 0u8..10).prop_map(|(c, max, frac, kind)| {
            let max = f64::from(max);
            let entry = match kind {
                0 => Entry::Excused,
                1 => Entry::Missing,
                _ => Entry::Score((max * f64::from(frac) / 10_000.0 * 100.0).round() / 100.0),
            };
            Mark {
                assessment_id: 0,
                title: "".into(),
                category: CATEGORIES[c].into(),
                max_score: max,
                entry,
            }
        })
    }

    fn arb_weights() -> impl Strategy<Value = BTreeMap<String, f64>> {
        prop_oneof![
            Just(BTreeMap::new()),
            proptest::collection::btree_map(0usize..4, 1u32..=100, 1..=4).prop_map(|m| m
                .into_iter()
                .map(|(c, w)| (CATEGORIES[c].to_string(), f64::from(w)))
                .collect()),
        ]
    }

    fn arb_book() -> impl Strategy<Value = (Vec<Mark>, BTreeMap<String, f64>, Policy)> {
        (
            proptest::collection::vec(arb_mark(), 0..25),
            arb_weights(),
            any::<bool>().prop_map(|z| Policy {
                missing_counts_as_zero: z,
            }),
        )
    }

    /// The definition, computed the plain way.
    fn straightforward(
        marks: &[Mark],
        weights: &BTreeMap<String, f64>,
        policy: Policy,
    ) -> Option<f64> {
        let pct = |m: &Mark| match m.entry {
            Entry::Score(s) => Some(s / m.max_score * 100.0),
            Entry::Missing if policy.missing_counts_as_zero => Some(0.0),
            _ => None,
        };
        if weights.is_empty() {
            let all: Vec<f64> = marks.iter().filter_map(pct).collect();
            return if all.is_empty() {
                None
            } else {
                Some(all.iter().sum::<f64>() / all.len() as f64)
            };
        }
        let mut num = 0.0;
        let mut den = 0.0;
        for (cat, w) in weights {
            let ps: Vec<f64> = marks
                .iter()
                .filter(|m| *m.category == **cat)
                .filter_map(pct)
                .collect();
            if !ps.is_empty() {
                num += w * ps.iter().sum::<f64>() / ps.len() as f64;
                den += w;
            }
        }
        (den > 0.0).then(|| num / den)
    }

    fn close(a: Option<f64>, b: Option<f64>) -> bool {
        match (a, b) {
            (None, None) => true,
            (Some(x), Some(y)) => (x - y).abs() < 1e-6,
            _ => false,
        }
    }

    proptest! {
        #[test]
        fn matches_the_straightforward_computation((marks, weights, policy) in arb_book()) {
            let got = average(&marks, &weights, policy);
            prop_assert!(close(got, straightforward(&marks, &weights, policy)), "{got:?}");
            if let Some(a) = got {
                prop_assert!((0.0..=100.0 + 1e-9).contains(&a));
            }
        }

        #[test]
        fn the_explanation_gives_the_same_figure_as_the_average_alone((marks, weights, policy) in arb_book()) {
            let e = explain_average(marks.to_vec(), &weights, policy);
            // The same arithmetic in the same order: equal to the last bit, not just close.
            prop_assert_eq!(e.average.map(f64::to_bits), average(&marks, &weights, policy).map(f64::to_bits));
            let counted = e.marks.iter().filter(|(_, t)| t.counted().is_some()).count();
            prop_assert_eq!(counted, e.categories.iter().map(|c| c.counted).sum::<usize>());
        }

        #[test]
        fn scaling_every_weight_changes_nothing((marks, weights, policy) in arb_book(), k in 1u32..50) {
            let scaled = weights.iter().map(|(c, w)| (c.clone(), w * f64::from(k))).collect();
            prop_assert!(close(average(&marks, &weights, policy), average(&marks, &scaled, policy)));
            let e = explain_average(marks.to_vec(), &weights, policy);
            if e.average.is_some() {
                let shares: f64 = e.categories.iter().map(|c| c.share).sum();
                prop_assert!((shares - 1.0).abs() < 1e-9, "shares sum to {shares}");
            }
        }

        #[test]
        fn order_of_entry_does_not_matter((marks, weights, policy) in arb_book(), seed in any::<u64>()) {
            let mut shuffled = marks.clone();
            // A deterministic Fisher–Yates from the seed.
            let mut s = seed | 1;
            for i in (1..shuffled.len()).rev() {
                s ^= s << 13; s ^= s >> 7; s ^= s << 17;
                shuffled.swap(i, (s % (i as u64 + 1)) as usize);
            }
            prop_assert!(close(average(&marks, &weights, policy), average(&shuffled, &weights, policy)));
        }

        #[test]
        fn excused_work_never_changes_an_average((marks, weights, policy) in arb_book(), c in 0usize..4, at in any::<prop::sample::Index>()) {
            let mut more = marks.clone();
            let excused = Mark { assessment_id: 0, title: "".into(), category: CATEGORIES[c].into(), max_score: 10.0, entry: Entry::Excused };
            more.insert(at.index(more.len() + 1), excused);
            prop_assert!(close(average(&marks, &weights, policy), average(&more, &weights, policy)));
        }

        #[test]
        fn a_mark_at_its_category_mean_changes_nothing((marks, weights, policy) in arb_book(), c in 0usize..4) {
            let e = explain_average(marks.to_vec(), &weights, policy);
            // With no weights all work is one category, whose mean is the average.
            let own = if weights.is_empty() { e.average } else {
                e.categories.iter().find(|p| p.category == CATEGORIES[c]).and_then(|p| p.mean)
            };
            if let Some(m) = own {
                let mut more = marks.clone();
                more.push(Mark { assessment_id: 0, title: "".into(), category: CATEGORIES[c].into(), max_score: 100.0, entry: Entry::Score(m) });
                prop_assert!(close(e.average, average(&more, &weights, policy)));
            }
        }
    }
}
