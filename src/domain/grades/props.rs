//! Property-based tests over random gradebooks.

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
fn straightforward(marks: &[Mark], weights: &BTreeMap<String, f64>, policy: Policy) -> Option<f64> {
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
