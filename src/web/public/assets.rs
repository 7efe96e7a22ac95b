//! The stylesheets, compiled into the binary so the app is one file to deploy.

use actix_web::HttpResponse;

const CSS: &str = include_str!("../../../templates/app.css");

/// The console's styles, one file per part so they can grow independently.
const STAFF_CSS: &str = concat!(
    include_str!("../../../templates/staff/frame.css"),
    include_str!("../../../templates/staff/desk/desk.css"),
    include_str!("../../../templates/staff/admin/admin.css")
);

pub async fn staff_stylesheet() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/css; charset=utf-8")
        .insert_header(("Cache-Control", "public, max-age=3600"))
        .body(STAFF_CSS)
}

pub async fn stylesheet() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/css; charset=utf-8")
        .insert_header(("Cache-Control", "public, max-age=3600"))
        .body(CSS)
}
