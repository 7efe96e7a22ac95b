//! Reading pages and responses the way the tests need: plain string scraping of our own markup
//! (no HTML parser), so a changed template shows up as a failing test with the page in it.

/// The attribute value that follows the first `prefix` (which ends in `="`).
pub fn value_after(html: &str, prefix: &str) -> Option<String> {
    html.split(prefix)
        .nth(1)
        .and_then(|s| s.split('"').next())
        .map(str::to_string)
}

/// The attribute values that follow every `prefix` (which ends in `="`), in page order.
pub fn values_after(html: &str, prefix: &str) -> Vec<String> {
    html.split(prefix)
        .skip(1)
        .filter_map(|s| s.split('"').next())
        .map(str::to_string)
        .collect()
}

/// The `csrf` hidden field of a page (empty where there is none).
pub fn csrf_in(html: &str) -> String {
    value_after(html, "name=\"csrf\" value=\"").unwrap_or_default()
}

/// Values of `name="start"` radio buttons on a page: the times it offers.
pub fn slot_values(html: &str) -> Vec<String> {
    values_after(html, "name=\"start\" value=\"")
}

/// Where a redirect points.
pub fn location(r: &reqwest::Response) -> String {
    r.headers()
        .get("location")
        .expect("a redirect")
        .to_str()
        .expect("ascii")
        .to_string()
}

/// The `href` of the link with this `rel` (`next`, `prev`), as a browser reads the attribute.
pub fn rel_link(html: &str, rel: &str) -> Option<String> {
    html.split(&format!("rel=\"{rel}\""))
        .next()
        .and_then(|s| s.rsplit("href=\"").next())
        .and_then(|s| s.split('"').next())
        .map(|s| s.replace("&#38;", "&").replace("&amp;", "&"))
}

/// The opening tag of an appointment's block on a schedule page.
pub fn block(html: &str, id: i32) -> Option<String> {
    let at = html.find(&format!("data-appointment=\"{id}\""))?;
    let open = html[..at].rfind('<')?;
    let close = at + html[at..].find('>')?;
    Some(html[open..=close].to_string())
}

/// An attribute of one tag.
pub fn attr(tag: &str, name: &str) -> String {
    let key = format!("{name}=\"");
    let from = tag.find(&key).expect(name) + key.len();
    tag[from..]
        .split('"')
        .next()
        .expect("attribute value")
        .to_string()
}

/// Where an appointment's block sits on a schedule grid: its `style`.
pub fn placed(html: &str, id: i32) -> String {
    attr(
        &block(html, id).unwrap_or_else(|| panic!("no block {id}")),
        "style",
    )
}
