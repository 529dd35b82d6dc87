//! The gradebook: assessments, keyboard-first mark entry, explainable averages, behaviour and
//! participation records, and term report cards. Teachers see only the class-and-subject pairs
//! they teach; everything else is a 404.

pub mod assessments;
pub mod behaviour;
pub mod grid;
pub mod queries;
pub mod reports;
pub mod settings;
pub mod weights;

use actix_web::web;

/// Routes under `/teacher`.
pub fn routes(cfg: &mut web::ServiceConfig) {
    const BOOK: &str = "/classes/{class_id}/subjects/{subject_id}/gradebook";
    cfg.route(BOOK, web::get().to(grid::show_book))
        .route(BOOK, web::post().to(grid::save_book))
        .route(
            &format!("{BOOK}/weights"),
            web::get().to(weights::show_weights),
        )
        .route(
            &format!("{BOOK}/weights"),
            web::post().to(weights::save_weights),
        )
        .route(
            &format!("{BOOK}/assessments/new"),
            web::get().to(assessments::new_form),
        )
        .route(
            &format!("{BOOK}/assessments/new"),
            web::post().to(assessments::create),
        )
        .route(
            &format!("{BOOK}/assessments/{{assessment_id}}"),
            web::get().to(grid::show_assessment),
        )
        .route(
            &format!("{BOOK}/assessments/{{assessment_id}}"),
            web::post().to(grid::save_assessment),
        )
        .route(
            &format!("{BOOK}/assessments/{{assessment_id}}/edit"),
            web::get().to(assessments::edit_form),
        )
        .route(
            &format!("{BOOK}/assessments/{{assessment_id}}/edit"),
            web::post().to(assessments::update),
        )
        .route(
            &format!("{BOOK}/assessments/{{assessment_id}}/delete"),
            web::post().to(assessments::remove),
        )
        // One mark, saved on its own (htmx): short, because the grid writes it in every cell.
        .route(
            "/marks/{assessment_id}/{student_id}",
            web::post().to(grid::save_cell),
        )
        .route(
            &format!("{BOOK}/students/{{student_id}}"),
            web::get().to(grid::explain),
        )
        .route(
            "/classes/{class_id}/behaviour",
            web::get().to(behaviour::show),
        )
        .route(
            "/classes/{class_id}/behaviour",
            web::post().to(behaviour::record_behaviour),
        )
        .route(
            "/classes/{class_id}/participation",
            web::post().to(behaviour::record_participation),
        )
        .route(
            "/classes/{class_id}/reports",
            web::get().to(reports::class_reports),
        )
        .route(
            "/classes/{class_id}/reports/{student_id}",
            web::get().to(reports::student_report),
        )
        .route(
            "/classes/{class_id}/reports/{student_id}/comment",
            web::post().to(reports::save_comment),
        );
}
