//! A school's letter bands and the statistics of a column of percentages.

use super::mean;

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
