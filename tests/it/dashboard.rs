//! Dashboards and early warning: the at-risk list, the high performers and the weekly trend of a
//! seeded school computed independently here and compared with the pages; the SQL summaries'
//! subject averages compared with the gradebook's own maths; authorisation; CSV = screen.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{Datelike, NaiveDate};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Date, Double, Nullable, Text};

use crate::helpers::*;

fn school_id(app: &TestApp, name: &str) -> i64 {
    #[derive(QueryableByName)]
    struct Id {
        #[diesel(sql_type = BigInt)]
        id: i64,
    }
    diesel::sql_query("SELECT id FROM schools WHERE name = $1")
        .bind::<Text, _>(name)
        .get_result::<Id>(&mut app.conn())
        .unwrap()
        .id
}

/// The demo with its history (registers, a term of marks, behaviour), summaries refreshed.
fn with_history(app: &TestApp) -> i64 {
    let mut conn = app.conn();
    let today = start_time().date_naive();
    let north = school_id(app, "Northgate Community School");
    let streaker: i64 = {
        use rollbook::schema::students;
        students::table
            .filter(students::student_number.eq("NG-0006"))
            .select(students::id)
            .first(&mut conn)
            .unwrap()
    };
    rollbook::seed::register_history(&mut conn, north, today, streaker).unwrap();
    rollbook::seed::gradebook_history(&mut conn, north, today).unwrap();
    rollbook::dashboard::refresh::refresh(&mut conn, start_time()).unwrap();
    north
}

/// Posts a school's thresholds form: risk attendance, risk average, negative records, absence
/// streak, high average, high attendance, in that order.
async fn submit_thresholds(b: &Browser, school: i64, values: [&str; 6]) -> TestResponse {
    let names = [
        "risk_attendance_below",
        "risk_average_below",
        "risk_negative_records",
        "risk_absence_streak",
        "high_average_from",
        "high_attendance_from",
    ];
    let fields: Vec<(&str, &str)> = names.into_iter().zip(values).collect();
    b.submit(
        "/admin/settings",
        &format!("/admin/settings/{school}/thresholds"),
        &fields,
    )
    .await
}

#[derive(QueryableByName)]
struct Mark {
    #[diesel(sql_type = BigInt)]
    student_id: i64,
    #[diesel(sql_type = Date)]
    date: NaiveDate,
    #[diesel(sql_type = Text)]
    category: String,
}

#[derive(QueryableByName)]
struct Score {
    #[diesel(sql_type = BigInt)]
    student_id: i64,
    #[diesel(sql_type = BigInt)]
    subject_id: i64,
    #[diesel(sql_type = BigInt)]
    class_id: i64,
    #[diesel(sql_type = Date)]
    date: NaiveDate,
    #[diesel(sql_type = BigInt)]
    assessment_id: i64,
    #[diesel(sql_type = BigInt)]
    category_id: i64,
    #[diesel(sql_type = Text)]
    status: String,
    #[diesel(sql_type = Nullable<Double>)]
    pct: Option<f64>,
}

#[derive(QueryableByName)]
struct Weight {
    #[diesel(sql_type = BigInt)]
    class_id: i64,
    #[diesel(sql_type = BigInt)]
    subject_id: i64,
    #[diesel(sql_type = BigInt)]
    category_id: i64,
    #[diesel(sql_type = Double)]
    weight: f64,
}

/// Everything the definitions need, computed here the plain way for one school.
struct Expected {
    rate: HashMap<i64, Option<f64>>,
    overall: HashMap<i64, Option<f64>>,
    negative: HashMap<i64, i64>,
    streak: HashMap<i64, i64>,
    weekly: BTreeMap<NaiveDate, (i64, i64)>,
}

fn expected(app: &TestApp, school: i64) -> Expected {
    let mut conn = app.conn();
    let today = start_time().date_naive();
    let term_start = NaiveDate::from_ymd_opt(2026, 9, 1).unwrap();
    let marks: Vec<Mark> = diesel::sql_query(
        "SELECT a.student_id, a.date, ac.category FROM attendance a JOIN attendance_codes ac ON ac.id = a.code_id WHERE a.school_id = $1",
    )
    .bind::<BigInt, _>(school)
    .load(&mut conn)
    .unwrap();
    let students: Vec<i64> = {
        use rollbook::schema::students;
        students::table
            .filter(students::school_id.eq(school))
            .filter(students::status.eq("active"))
            .select(students::id)
            .load(&mut conn)
            .unwrap()
    };
    let mut rate = HashMap::new();
    let mut streak = HashMap::new();
    for s in &students {
        let mine: Vec<&Mark> = marks
            .iter()
            .filter(|m| m.student_id == *s && m.date >= term_start && m.date <= today)
            .collect();
        let attended = mine
            .iter()
            .filter(|m| m.category == "present" || m.category == "late")
            .count();
        let counted = mine.iter().filter(|m| m.category != "excused").count();
        rate.insert(
            *s,
            (counted > 0).then(|| attended as f64 / counted as f64 * 100.0),
        );
        let mut days: BTreeMap<NaiveDate, bool> = BTreeMap::new();
        for m in marks
            .iter()
            .filter(|m| m.student_id == *s && m.date <= today)
        {
            let all_absent = days.get(&m.date).copied().unwrap_or(true) && m.category == "absent";
            days.insert(m.date, all_absent);
        }
        let run = days.values().rev().take_while(|absent| **absent).count() as i64;
        streak.insert(*s, run);
    }
    let mut weekly: BTreeMap<NaiveDate, (i64, i64)> = BTreeMap::new();
    for m in marks.iter().filter(|m| m.date <= today) {
        let monday =
            m.date - chrono::Duration::days(i64::from(m.date.weekday().num_days_from_monday()));
        let e = weekly.entry(monday).or_default();
        if m.category == "present" || m.category == "late" {
            e.0 += 1;
        }
        if m.category != "excused" {
            e.1 += 1;
        }
    }
    // Marks: percentages per the school's rule, weights of the class of the latest work.
    let missing_zero: bool = {
        use rollbook::schema::schools;
        schools::table
            .find(school)
            .select(schools::missing_counts_as_zero)
            .first(&mut conn)
            .unwrap()
    };
    let scores: Vec<Score> = diesel::sql_query(
        "SELECT s.student_id, a.subject_id, a.class_id, a.date, a.id AS assessment_id, a.category_id, s.status,
                CASE WHEN s.status = 'score' THEN s.score::float8 / a.max_score::float8 * 100 END AS pct
           FROM scores s JOIN assessments a ON a.id = s.assessment_id
          WHERE a.school_id = $1 AND NOT a.archived AND s.status <> 'blank'",
    )
    .bind::<BigInt, _>(school)
    .load(&mut conn)
    .unwrap();
    let weights: Vec<Weight> = diesel::sql_query(
        "SELECT class_id, subject_id, category_id, weight::float8 AS weight FROM category_weights WHERE school_id = $1",
    )
    .bind::<BigInt, _>(school)
    .load(&mut conn)
    .unwrap();
    let mut overall = HashMap::new();
    for s in &students {
        let mut subject_avgs = Vec::new();
        let subjects: BTreeSet<i64> = scores
            .iter()
            .filter(|x| x.student_id == *s)
            .map(|x| x.subject_id)
            .collect();
        for subject in subjects {
            let mut mine: Vec<&Score> = scores
                .iter()
                .filter(|x| x.student_id == *s && x.subject_id == subject)
                .collect();
            mine.sort_by_key(|x| (x.date, x.assessment_id));
            let class = mine.last().unwrap().class_id;
            let counted = |x: &&Score| -> Option<f64> {
                match x.status.as_str() {
                    "score" => x.pct,
                    "missing" if missing_zero => Some(0.0),
                    _ => None,
                }
            };
            let w: Vec<&Weight> = weights
                .iter()
                .filter(|w| w.class_id == class && w.subject_id == subject)
                .collect();
            let avg = if w.is_empty() {
                let all: Vec<f64> = mine.iter().filter_map(counted).collect();
                (!all.is_empty()).then(|| all.iter().sum::<f64>() / all.len() as f64)
            } else {
                let (mut num, mut den) = (0.0, 0.0);
                for weight in w {
                    let in_cat: Vec<f64> = mine
                        .iter()
                        .filter(|x| x.category_id == weight.category_id)
                        .filter_map(counted)
                        .collect();
                    if !in_cat.is_empty() {
                        num += weight.weight * in_cat.iter().sum::<f64>() / in_cat.len() as f64;
                        den += weight.weight;
                    }
                }
                (den > 0.0).then(|| num / den)
            };
            if let Some(a) = avg {
                subject_avgs.push(a);
            }
        }
        overall.insert(
            *s,
            (!subject_avgs.is_empty())
                .then(|| subject_avgs.iter().sum::<f64>() / subject_avgs.len() as f64),
        );
    }
    let negative: HashMap<i64, i64> = {
        #[derive(QueryableByName)]
        struct N {
            #[diesel(sql_type = BigInt)]
            student_id: i64,
            #[diesel(sql_type = Date)]
            date: NaiveDate,
        }
        let rows: Vec<N> = diesel::sql_query("SELECT student_id, date FROM behaviour_records WHERE school_id = $1 AND kind = 'negative'")
            .bind::<BigInt, _>(school)
            .load(&mut conn)
            .unwrap();
        let mut out = HashMap::new();
        for r in rows
            .iter()
            .filter(|r| r.date > today - chrono::Duration::days(30) && r.date <= today)
        {
            *out.entry(r.student_id).or_insert(0) += 1;
        }
        out
    };
    Expected {
        rate,
        overall,
        negative,
        streak,
        weekly,
    }
}

fn ids(page: &TestResponse) -> BTreeSet<i64> {
    let html = page.html();
    let rows = scraper::Selector::parse("#students tbody tr").unwrap();
    html.select(&rows)
        .map(|r| r.value().attr("data-student-id").unwrap().parse().unwrap())
        .collect()
}

#[actix_web::test]
async fn the_at_risk_list_high_performers_and_trend_match_an_independent_computation() {
    let app = TestApp::spawn().await;
    let north = with_history(&app);
    let e = expected(&app, north);
    let at_risk: BTreeSet<i64> = e
        .rate
        .keys()
        .copied()
        .filter(|s| {
            e.rate[s].is_some_and(|r| r < 90.0)
                || e.overall[s].is_some_and(|a| a < 60.0)
                || e.negative.get(s).copied().unwrap_or(0) >= 3
                || e.streak[s] >= 3
        })
        .collect();
    let high: BTreeSet<i64> = e
        .rate
        .keys()
        .copied()
        .filter(|s| e.overall[s].is_some_and(|a| a >= 85.0) && e.rate[s].is_some_and(|r| r >= 95.0))
        .collect();
    // The seeded school has students at risk for every reason.
    assert!(e.rate.values().flatten().any(|r| *r < 90.0));
    assert!(e.overall.values().flatten().any(|a| *a < 60.0));
    assert!(e.negative.values().any(|n| *n >= 3));
    assert!(e.streak.values().any(|n| *n >= 3));

    let principal = app.signed_in(DEMO_PRINCIPAL).await;
    let page = principal.get("/dashboard/at-risk").await;
    assert_eq!(page.status, 200);
    assert_eq!(ids(&page), at_risk);
    // The dashboard counts the same students at risk (made with the flags by the refresh).
    let dashboard = principal.get("/dashboard").await;
    assert_eq!(
        dashboard.text(&format!("tr[data-school-id=\"{north}\"] td.risk")),
        at_risk.len().to_string()
    );
    assert_eq!(
        dashboard.text(&format!("tr[data-school-id=\"{north}\"] td.high")),
        high.len().to_string()
    );
    // The list says how old its figures are (read with the class options).
    assert!(page.text("#age").contains("as of"), "{}", page.text("#age"));
    // The class filter offers the school's classes of the year (from the summaries), by grade.
    let options = page.texts("#class_id option");
    assert_eq!(options.first().map(String::as_str), Some("All classes"));
    assert!(options.iter().any(|o| o == "7A"), "{options:?}");
    assert!(options.iter().any(|o| o == "8A"), "{options:?}");
    // The count (unfiltered: the school's kept total) agrees with the rows.
    assert!(
        page.text("#count")
            .starts_with(&format!("{} student", at_risk.len())),
        "{}",
        page.text("#count")
    );
    // Each row names its reasons.
    let html = page.html();
    let row = scraper::Selector::parse("#students tbody tr").unwrap();
    let reasons = scraper::Selector::parse(".reasons li").unwrap();
    for r in html.select(&row) {
        let id: i64 = r.value().attr("data-student-id").unwrap().parse().unwrap();
        let text: Vec<String> = r.select(&reasons).map(|l| l.text().collect()).collect();
        assert_eq!(
            text.iter().any(|t| t.starts_with("attendance")),
            e.rate[&id].is_some_and(|x| x < 90.0),
            "{id}: {text:?}"
        );
        assert_eq!(
            text.iter().any(|t| t.starts_with("average")),
            e.overall[&id].is_some_and(|x| x < 60.0),
            "{id}: {text:?}"
        );
        assert_eq!(
            text.iter().any(|t| t.contains("negative")),
            e.negative.get(&id).copied().unwrap_or(0) >= 3
        );
        assert_eq!(
            text.iter().any(|t| t.starts_with("absent the last")),
            e.streak[&id] >= 3
        );
    }
    assert_eq!(
        ids(&principal.get("/dashboard/high-performers").await),
        high
    );

    // The CSV holds the same students in the same order as the screen, for the same filters.
    let c7a = app.class_id("7A");
    let filtered = principal
        .get(&format!(
            "/dashboard/at-risk?class_id={c7a}&sort=attendance"
        ))
        .await;
    let csv = principal
        .get(&format!(
            "/dashboard/at-risk.csv?class_id={c7a}&sort=attendance"
        ))
        .await;
    assert_eq!(csv.status, 200);
    assert!(csv.header("content-type").unwrap().starts_with("text/csv"));
    let screen_names: Vec<String> = filtered.texts("#students tbody th a");
    let mut reader = csv::Reader::from_reader(csv.body.as_bytes());
    let csv_names: Vec<String> = reader
        .records()
        .map(|r| r.unwrap()[1].to_string())
        .collect();
    assert!(!screen_names.is_empty());
    assert_eq!(screen_names, csv_names);
    // Filtered, the count is of the filtered rows.
    assert!(
        filtered
            .text("#count")
            .starts_with(&format!("{} student", screen_names.len())),
        "{}",
        filtered.text("#count")
    );
    assert!(filtered
        .texts("#students tbody td:nth-child(2)")
        .iter()
        .all(|c| c == "7A"));

    // The weekly trend: every week's attendance rate as computed here.
    let dash = principal.get("/dashboard?period=year").await;
    assert_eq!(dash.status, 200);
    let html = dash.html();
    let rows = scraper::Selector::parse("#weeks tbody tr").unwrap();
    let mut seen = 0;
    for r in html.select(&rows) {
        let cells: Vec<String> = r
            .text()
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(String::from)
            .collect();
        let week = NaiveDate::parse_from_str(&cells[0], "%-d %b %Y").unwrap();
        let (att, cnt) = e.weekly.get(&week).copied().unwrap_or((0, 0));
        let expect = if cnt > 0 {
            format!("{:.1} %", att as f64 / cnt as f64 * 100.0)
        } else {
            "—".into()
        };
        assert_eq!(cells[1], expect, "week of {week}");
        seen += 1;
    }
    assert!(seen >= 5, "weeks shown: {seen}");
    assert_eq!(dash.count("#attendance-trend svg"), 1);
    // The school's average is the mean of its students' overall averages.
    let all: Vec<f64> = e.overall.values().flatten().copied().collect();
    let mean = all.iter().sum::<f64>() / all.len() as f64;
    assert_eq!(
        dash.text(&format!("#schools tr[data-school-id='{north}'] .average")),
        format!("{mean:.1} %")
    );
    assert_eq!(
        dash.text(&format!("#schools tr[data-school-id='{north}'] .risk")),
        at_risk.len().to_string()
    );
}

#[actix_web::test]
async fn the_summaries_agree_with_the_gradebook_maths_for_every_student_and_subject() {
    let app = TestApp::spawn().await;
    let north = with_history(&app);
    let mut conn = app.conn();
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = BigInt)]
        student_id: i64,
        #[diesel(sql_type = BigInt)]
        subject_id: i64,
        #[diesel(sql_type = Nullable<Double>)]
        average: Option<f64>,
    }
    let rows: Vec<Row> = diesel::sql_query(
        "SELECT student_id, subject_id, average FROM student_subject_insight WHERE school_id = $1",
    )
    .bind::<BigInt, _>(north)
    .load(&mut conn)
    .unwrap();
    assert!(rows.len() > 50);
    let students: BTreeSet<i64> = rows.iter().map(|r| r.student_id).collect();
    let rules = rollbook::models::work::find_school_rules(
        &mut conn,
        *students.iter().next().unwrap(),
        start_time(),
    )
    .unwrap();
    let ids: Vec<i64> = students.iter().copied().collect();
    let rollbook::models::work::MarksAndWeights { marks, weights } =
        rollbook::models::work::marks_and_weights(
            &mut conn,
            &ids,
            rules.term_id.unwrap(),
            false,
            false,
        )
        .unwrap();
    assert!(
        !weights.is_empty(),
        "the demo school weights its categories"
    );
    let scale = rollbook::models::work::find_grade_scale(&mut conn, north).unwrap();
    for s in &students {
        let results =
            rollbook::models::work::subject_results(&marks, *s, &weights, rules.policy(), &scale);
        for r in results {
            let row = rows
                .iter()
                .find(|x| x.student_id == *s && x.subject_id == r.subject_id)
                .unwrap();
            match (row.average, r.explanation.average) {
                (Some(a), Some(b)) => assert!(
                    (a - b).abs() < 1e-9,
                    "student {s} subject {}: {a} vs {b}",
                    r.subject_id
                ),
                (a, b) => assert_eq!(a, b),
            }
        }
    }
}

#[actix_web::test]
async fn dashboards_are_for_the_office_and_each_principal_sees_their_own_school() {
    let app = TestApp::spawn().await;
    let north = with_history(&app);
    let south = school_id(&app, "Southbank Academy");
    for who in [DEMO_TEACHER, DEMO_PARENT] {
        let b = app.signed_in(who).await;
        assert_eq!(b.get("/dashboard").await.status, 403, "{who}");
        assert_eq!(b.get("/dashboard/at-risk.csv").await.status, 403, "{who}");
    }
    let principal = app.signed_in(DEMO_PRINCIPAL).await;
    let dash = principal.get("/dashboard").await;
    assert_eq!(dash.count("#schools tbody tr"), 1);
    assert_eq!(
        dash.count(&format!("#schools tr[data-school-id='{north}']")),
        1
    );
    assert!(dash.text("#age").contains("as of"));
    let southern: i64 = {
        use rollbook::schema::students;
        students::table
            .filter(students::school_id.eq(south))
            .select(students::id)
            .first(&mut app.conn())
            .unwrap()
    };
    assert_eq!(
        principal
            .get(&format!("/dashboard/students/{southern}"))
            .await
            .status,
        404
    );
    let risky = ids(&principal.get("/dashboard/at-risk").await);
    let one = *risky.iter().next().unwrap();
    let profile = principal.get(&format!("/dashboard/students/{one}")).await;
    assert_eq!(profile.status, 200);
    assert!(profile.count("#risk li") >= 1);
    assert!(profile.count("#subjects tbody tr") >= 1);
    // The profile's term (one statement for its attendance, marks, scale and behaviour) agrees
    // with counts made here: the term's marks by category up to today (2026-11-18), and each
    // subject's number of marks and its letter for the average shown.
    #[derive(QueryableByName)]
    struct Counted {
        #[diesel(sql_type = diesel::sql_types::Text)]
        line: String,
    }
    let counted: Counted = diesel::sql_query(
        "WITH t AS (SELECT t.starts_on FROM terms t JOIN students st ON st.school_id = t.school_id
                     WHERE st.id = $1 AND t.starts_on <= DATE '2026-11-18'
                     ORDER BY t.starts_on DESC LIMIT 1),
              n AS (SELECT ac.category, count(*) AS n FROM attendance a
                      JOIN attendance_codes ac ON ac.id = a.code_id
                     WHERE a.student_id = $1 AND a.date >= (SELECT starts_on FROM t)
                       AND a.date <= DATE '2026-11-18'
                     GROUP BY ac.category)
         SELECT format('%s present, %s late, %s absent, %s excused.',
                       coalesce((SELECT n FROM n WHERE category = 'present'), 0),
                       coalesce((SELECT n FROM n WHERE category = 'late'), 0),
                       coalesce((SELECT n FROM n WHERE category = 'absent'), 0),
                       coalesce((SELECT n FROM n WHERE category = 'excused'), 0)) AS line",
    )
    .bind::<diesel::sql_types::BigInt, _>(one)
    .get_result(&mut app.conn())
    .unwrap();
    let attendance = profile
        .texts("p")
        .into_iter()
        .find(|t| t.contains(" present, "))
        .unwrap();
    assert!(
        attendance.ends_with(&counted.line),
        "{attendance:?} against {:?}",
        counted.line
    );
    #[derive(QueryableByName)]
    struct Band {
        #[diesel(sql_type = diesel::sql_types::Text)]
        letter: String,
        #[diesel(sql_type = diesel::sql_types::Double)]
        min: f64,
    }
    let bands: Vec<Band> = diesel::sql_query(
        "SELECT gb.letter, gb.min_percent::float8 AS min FROM grade_bands gb
           JOIN students st ON st.school_id = gb.school_id WHERE st.id = $1
          ORDER BY gb.min_percent DESC",
    )
    .bind::<diesel::sql_types::BigInt, _>(one)
    .load(&mut app.conn())
    .unwrap();
    assert!(!bands.is_empty(), "the demo school has letter bands");
    let html = profile.html();
    let row = scraper::Selector::parse("#subjects tbody tr").unwrap();
    let cell = scraper::Selector::parse("td").unwrap();
    for tr in html.select(&row) {
        let subject: i64 = tr.value().attr("data-subject-id").unwrap().parse().unwrap();
        let cells: Vec<String> = tr
            .select(&cell)
            .map(|c| c.text().collect::<String>())
            .collect();
        let average: f64 = cells[0].trim_end_matches(" %").parse().unwrap();
        let expected = bands
            .iter()
            .find(|b| average >= b.min)
            .map_or("", |b| b.letter.as_str());
        assert_eq!(cells[1], expected, "subject {subject} at {average} %");
        let marks: i64 = {
            #[derive(QueryableByName)]
            struct N {
                #[diesel(sql_type = diesel::sql_types::BigInt)]
                n: i64,
            }
            diesel::sql_query(
                "SELECT count(*) AS n FROM scores s JOIN assessments a ON a.id = s.assessment_id
                   JOIN terms t ON t.id = a.term_id
                  WHERE s.student_id = $1 AND a.subject_id = $2 AND s.status <> 'blank'
                    AND NOT a.archived AND t.starts_on <= DATE '2026-11-18'
                    AND t.ends_on >= DATE '2026-11-18'",
            )
            .bind::<diesel::sql_types::BigInt, _>(one)
            .bind::<diesel::sql_types::BigInt, _>(subject)
            .get_result::<N>(&mut app.conn())
            .unwrap()
            .n
        };
        assert_eq!(cells[2], marks.to_string(), "subject {subject}");
    }
    let admin = app.signed_in(DEMO_ADMIN).await;
    let dash = admin.get("/dashboard").await;
    assert_eq!(dash.count("#schools tbody tr"), 2, "schools side by side");
    assert_eq!(dash.count("#schools tfoot tr"), 1, "and the district");
    assert_eq!(
        admin
            .get(&format!("/dashboard/students/{southern}"))
            .await
            .status,
        200
    );
}

#[actix_web::test]
async fn thresholds_are_the_schools_and_the_teacher_sees_their_own_classes() {
    let app = TestApp::spawn().await;
    let north = with_history(&app);
    let teacher = app.signed_in(DEMO_TEACHER).await;
    let page = teacher.get("/teacher/dashboard").await;
    assert_eq!(page.status, 200);
    // The last assessment of each of the teacher's gradebooks is not yet marked.
    assert!(page.count("#unmarked li") >= 2, "{}", page.text("main"));
    // Exactly the teacher's recent assessments with fewer marks than the class has students,
    // counted independently here.
    {
        #[derive(QueryableByName)]
        struct Id {
            #[diesel(sql_type = BigInt)]
            id: i64,
        }
        let expected: BTreeSet<i64> = diesel::sql_query(
            "SELECT a.id FROM assessments a
               JOIN teacher_assignments ta ON ta.class_id = a.class_id AND ta.subject_id = a.subject_id
              WHERE ta.teacher_id = $1 AND NOT a.archived AND a.date <= $2 AND a.date > $2 - 120
                AND (SELECT count(*) FROM scores s WHERE s.assessment_id = a.id AND s.status <> 'blank')
                  < (SELECT count(*) FROM enrolments e JOIN students st ON st.id = e.student_id
                      WHERE e.class_id = a.class_id AND st.status = 'active' AND e.starts_on <= $2
                        AND (e.ends_on IS NULL OR e.ends_on >= $2))",
        )
        .bind::<BigInt, _>(app.user_id(DEMO_TEACHER))
        .bind::<diesel::sql_types::Date, _>(start_time().date_naive())
        .load::<Id>(&mut app.conn())
        .unwrap()
        .into_iter()
        .map(|r| r.id)
        .collect();
        let listed: BTreeSet<i64> = page
            .html()
            .select(&scraper::Selector::parse("#unmarked li").unwrap())
            .map(|l| {
                l.value()
                    .attr("data-assessment-id")
                    .unwrap()
                    .parse()
                    .unwrap()
            })
            .collect();
        assert_eq!(listed, expected);
    }
    // Only students of the teacher's classes appear.
    let taught: BTreeSet<i64> = {
        #[derive(QueryableByName)]
        struct Id {
            #[diesel(sql_type = BigInt)]
            id: i64,
        }
        diesel::sql_query("SELECT e.student_id AS id FROM enrolments e JOIN classes c ON c.id = e.class_id WHERE c.name IN ('7A', '8A')")
            .load::<Id>(&mut app.conn())
            .unwrap()
            .into_iter()
            .map(|r| r.id)
            .collect()
    };
    let html = page.html();
    let li = scraper::Selector::parse("#absent-often li, #slipping li").unwrap();
    let listed: Vec<i64> = html
        .select(&li)
        .map(|l| l.value().attr("data-student-id").unwrap().parse().unwrap())
        .collect();
    assert!(!listed.is_empty());
    assert!(listed.iter().all(|s| taught.contains(s)));

    let principal = app.signed_in(DEMO_PRINCIPAL).await;
    let before = ids(&principal.get("/dashboard/at-risk").await).len();
    let r = submit_thresholds(&principal, north, ["101", "x", "0", "3", "85", "95"]).await;
    assert_eq!(r.status, 422);
    assert_eq!(r.count(".thresholds-form .field-error"), 3);
    let r = submit_thresholds(&principal, north, ["50", "10", "100", "60", "85", "95"]).await;
    assert_eq!(r.status, 303, "{}", r.body);
    let after = ids(&principal.get("/dashboard/at-risk").await).len();
    assert!(after < before, "{after} < {before}");
    // The dashboard's count follows at once too, in step with the list.
    let dashboard = principal.get("/dashboard").await;
    assert_eq!(
        dashboard.text(&format!("tr[data-school-id=\"{north}\"] td.risk")),
        after.to_string()
    );
}

#[actix_web::test]
async fn the_office_attendance_page_reads_the_term_from_the_summaries_and_agrees_with_them() {
    let app = TestApp::spawn().await;
    let north = with_history(&app);
    let e = expected(&app, north);
    let principal = app.signed_in(DEMO_PRINCIPAL).await;
    let page = principal.get("/admin/attendance").await;
    assert_eq!(page.status, 200);
    assert!(page.text("#summary-note").contains("as of"));
    let html = page.html();
    let rows = scraper::Selector::parse("#chronic tbody tr").unwrap();
    let shown: BTreeSet<i64> = html
        .select(&rows)
        .map(|r| r.value().attr("data-student-id").unwrap().parse().unwrap())
        .collect();
    let expected: BTreeSet<i64> = e
        .rate
        .iter()
        .filter(|(_, r)| r.is_some_and(|r| r < 90.0))
        .map(|(s, _)| *s)
        .collect();
    assert!(!expected.is_empty());
    assert_eq!(shown, expected);
    // Every summary row's flag is the school's rule (rollbook_chronic under its thresholds).
    let disagree: i64 = diesel::select(diesel::dsl::sql::<diesel::sql_types::BigInt>(
        "(SELECT count(*) FROM student_insight i JOIN schools s ON s.id = i.school_id
           WHERE i.attendance_flag IS DISTINCT FROM rollbook_chronic(i.attendance_rate / 100,
                 i.absence_streak, s.risk_attendance_below, s.risk_absence_streak))",
    ))
    .get_result(&mut app.conn())
    .unwrap();
    assert_eq!(disagree, 0);
    // The district's line for the school counts the same students from the same summaries.
    let district = app
        .signed_in(DEMO_ADMIN)
        .await
        .get("/admin/attendance")
        .await;
    assert!(district.text("#summary-note").contains("as of"));
    assert_eq!(
        district.text(&format!(
            "#school-flags tr[data-school-id='{north}'] td.chronic"
        )),
        expected.len().to_string()
    );
    // Another range is counted live, without the note.
    let live = principal
        .get("/admin/attendance?from=2026-10-01&to=2026-11-17")
        .await;
    assert_eq!(live.count("#summary-note"), 0);
}

#[actix_web::test]
async fn the_at_risk_list_pages_by_a_hundred_and_the_csv_has_every_row() {
    let app = TestApp::spawn().await;
    // 120 more students in a Northgate class from the start of the year, so that with the
    // widest thresholds the list runs past one page.
    diesel::sql_query(
        "WITH c AS (SELECT c.id, c.school_id, y.starts_on
                      FROM classes c JOIN schools s ON s.id = c.school_id
                      JOIN academic_years y ON y.id = c.academic_year_id
                     WHERE s.name = 'Northgate Community School' ORDER BY c.id LIMIT 1),
              st AS (INSERT INTO students (school_id, student_number, given_name, family_name, status,
                                           medical_notes, allergies, created_at, updated_at)
                     SELECT c.school_id, 'NG-X' || (900 + g), 'Extra', 'Student ' || lpad(g::text, 3, '0'),
                            'active', '', '', now(), now()
                       FROM c, generate_series(1, 120) g RETURNING id, school_id)
         INSERT INTO enrolments (school_id, student_id, class_id, starts_on)
         SELECT st.school_id, st.id, c.id, c.starts_on FROM st, c",
    )
    .execute(&mut app.conn())
    .unwrap();
    let north = with_history(&app);
    let principal = app.signed_in(DEMO_PRINCIPAL).await;
    let r = submit_thresholds(&principal, north, ["100", "100", "1", "1", "85", "95"]).await;
    assert_eq!(r.status, 303, "{}", r.body);

    let first = principal.get("/dashboard/at-risk?sort=name").await;
    let total: usize = first
        .text("#count")
        .split(' ')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!(total > 100, "{}", first.text("#count"));
    assert_eq!(first.count("a[rel=prev]"), 0);
    // Follow the pages to the end: 100 rows each but the last, none twice.
    let mut screen: Vec<String> = Vec::new();
    let mut seen: BTreeSet<i64> = BTreeSet::new();
    let mut page = first;
    for n in 1.. {
        let names = page.texts("#students tbody th a");
        let from = (n - 1) * 100 + 1;
        let to = (n * 100).min(total);
        assert_eq!(names.len(), to + 1 - from);
        assert_eq!(
            page.text("#count"),
            format!("{total} students, {from} to {to} shown.")
        );
        let page_ids = ids(&page);
        assert!(page_ids.iter().all(|id| !seen.contains(id)));
        seen.extend(page_ids);
        screen.extend(names);
        if n > 1 {
            let prev = page.attr("a[rel=prev]", "href").unwrap();
            assert!(prev.contains(&format!("page={}", n - 1)), "{prev}");
        }
        match page.attr("a[rel=next]", "href") {
            Some(next) => {
                assert!(to < total);
                assert!(next.contains("sort=name") && next.contains(&format!("page={}", n + 1)));
                page = principal.get(&next).await;
            }
            None => {
                assert_eq!(to, total);
                break;
            }
        }
    }
    assert_eq!(screen.len(), total);
    // Past the last page: back to the first, with the same sort.
    let past = principal.get("/dashboard/at-risk?sort=name&page=999").await;
    assert_eq!(past.status, 303);
    let location = past.location().unwrap();
    assert!(
        location.contains("sort=name") && location.contains("page=1"),
        "{location}"
    );

    // The pages, in order, are the export's rows.
    let csv = principal.get("/dashboard/at-risk.csv?sort=name").await;
    assert_eq!(csv.status, 200);
    let mut reader = csv::Reader::from_reader(csv.body.as_bytes());
    let csv_names: Vec<String> = reader
        .records()
        .map(|r| r.unwrap()[1].to_string())
        .collect();
    assert_eq!(csv_names, screen);
    // So is the dashboard's count.
    let dashboard = principal.get("/dashboard").await;
    assert_eq!(
        dashboard.text(&format!("tr[data-school-id=\"{north}\"] td.risk")),
        total.to_string()
    );
}
