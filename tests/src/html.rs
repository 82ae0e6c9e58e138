//! Just enough HTML reading for the tests to do what a browser without
//! JavaScript does: find a form and carry its hidden fields forward.

/// The page as a browser shows it: `<template>` contents (the survey's
/// other screens, for the tablet client) are not part of it.
pub fn without_templates(html: &str) -> String {
    let mut shown = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(start) = rest.find("<template") {
        shown.push_str(&rest[..start]);
        match rest[start..].find("</template>") {
            Some(end) => rest = &rest[start + end + "</template>".len()..],
            None => rest = "",
        }
    }
    shown.push_str(rest);
    shown
}

/// The `<form>` element containing `id="<form_id>"` (as source text).
pub fn form<'a>(html: &'a str, form_id: &str) -> Option<&'a str> {
    let marker = format!("id=\"{form_id}\"");
    let at = html.find(&marker)?;
    let start = html[..at].rfind("<form")?;
    let end = at + html[at..].find("</form>")? + "</form>".len();
    Some(&html[start..end])
}

/// The hidden inputs of a form, as (name, value) pairs, in order.
pub fn hidden_fields(form_html: &str) -> Vec<(String, String)> {
    tags(form_html, "input")
        .filter(|attrs| attr(attrs, "type").as_deref() == Some("hidden"))
        .filter_map(|attrs| {
            Some((
                attr(attrs, "name")?,
                attr(attrs, "value").unwrap_or_default(),
            ))
        })
        .collect()
}

/// The value of attribute `name` on the first `<tag>` that has `id="<id>"`.
pub fn attribute_of(html: &str, tag: &str, id: &str, name: &str) -> Option<String> {
    tags(html, tag)
        .find(|attrs| attr(attrs, "id").as_deref() == Some(id))
        .and_then(|attrs| attr(attrs, name))
}

/// The text of the first `<h1>`, tags removed.
pub fn h1(html: &str) -> Option<String> {
    let start = html.find("<h1")?;
    let open_end = start + html[start..].find('>')? + 1;
    let end = open_end + html[open_end..].find("</h1>")?;
    Some(strip_tags(&html[open_end..end]).trim().to_owned())
}

/// The `<title>` text.
pub fn title(html: &str) -> Option<String> {
    let start = html.find("<title>")? + "<title>".len();
    let end = start + html[start..].find("</title>")?;
    Some(unescape(&html[start..end]))
}

/// The text of `html`: its tags dropped and entities read.
pub fn strip_tags(html: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    unescape(&out)
}

/// The attribute text of each `<tag ...>` in `html`.
fn tags<'a>(html: &'a str, tag: &str) -> impl Iterator<Item = &'a str> + 'a {
    let open = format!("<{tag}");
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(at) = html[from..].find(&open) {
        let rest = &html[from + at + open.len()..];
        from += at + open.len();
        if rest.starts_with(|c: char| c.is_whitespace() || c == '>' || c == '/')
            && let Some(end) = rest.find('>')
        {
            found.push(&rest[..end]);
        }
    }
    found.into_iter()
}

fn attr(attrs: &str, name: &str) -> Option<String> {
    let mut rest = attrs;
    loop {
        rest = rest.trim_start_matches(|c: char| c.is_whitespace() || c == '/');
        if rest.is_empty() {
            return None;
        }
        let key_end = rest
            .find(|c: char| c == '=' || c.is_whitespace() || c == '/')
            .unwrap_or(rest.len());
        let key = &rest[..key_end];
        rest = &rest[key_end..];
        let value = if let Some(after) = rest.strip_prefix('=') {
            let quote = after.chars().next()?;
            if quote == '"' || quote == '\'' {
                let end = after[1..].find(quote)? + 1;
                let value = &after[1..end];
                rest = &after[end + 1..];
                Some(value)
            } else {
                let end = after.find(char::is_whitespace).unwrap_or(after.len());
                let value = &after[..end];
                rest = &after[end..];
                Some(value)
            }
        } else {
            None
        };
        if key.eq_ignore_ascii_case(name) {
            return Some(unescape(value.unwrap_or_default()));
        }
    }
}

fn unescape(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&amp;", "&")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hidden_fields_are_read_in_order_with_entities_decoded() {
        let html = r#"<p>x</p><form method="post" id="survey-form"><input type="hidden" name="a:x" value="Tom &amp; &quot;Jo&quot;"/><input type="text" name="t" value="no"><input type="hidden" name="step" value="2"></form>"#;
        let form = form(html, "survey-form").unwrap();
        assert_eq!(
            hidden_fields(form),
            vec![
                ("a:x".into(), "Tom & \"Jo\"".into()),
                ("step".into(), "2".into())
            ]
        );
    }

    #[test]
    fn headings_and_titles_are_read_without_tags() {
        let html = "<title>A &amp; B</title><h1 class=\"q\"><label for=\"x\">What needs to change?</label></h1>";
        assert_eq!(title(html).unwrap(), "A & B");
        assert_eq!(h1(html).unwrap(), "What needs to change?");
    }

    #[test]
    fn templates_are_not_part_of_the_page() {
        assert_eq!(
            without_templates(
                "<h1>a</h1><template data-screen=\"1\"><h1>b</h1></template><p>c</p><template>d</template>"
            ),
            "<h1>a</h1><p>c</p>"
        );
    }
}
