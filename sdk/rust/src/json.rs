//! JSON text, written without a JSON library: field defaults, choices and request bodies.

use std::fmt::Write;

/// A piece of JSON text. The host parses and checks everything that crosses the ABI, so this
/// type only has to write JSON, never read it.
#[derive(Clone, Debug, PartialEq)]
pub struct Json(String);

impl Json {
    /// JSON text taken as it is, e.g. `Json::raw(r#"{"a":[1,2]}"#)`. The host rejects text
    /// that is not JSON where it matters (the definition at load, a body when it is set).
    pub fn raw(text: impl Into<String>) -> Json {
        Json(text.into())
    }

    pub fn null() -> Json {
        Json("null".to_string())
    }

    /// An object whose members keep the given order.
    pub fn object<K: AsRef<str>>(members: Vec<(K, Json)>) -> Json {
        let members: Vec<String> = members
            .iter()
            .map(|(key, value)| format!("{}:{}", quote(key.as_ref()), value.0))
            .collect();
        Json(format!("{{{}}}", members.join(",")))
    }

    pub fn array(items: Vec<Json>) -> Json {
        let items: Vec<&str> = items.iter().map(|item| item.0.as_str()).collect();
        Json(format!("[{}]", items.join(",")))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl From<&str> for Json {
    fn from(text: &str) -> Json {
        Json(quote(text))
    }
}

impl From<String> for Json {
    fn from(text: String) -> Json {
        Json(quote(&text))
    }
}

impl From<bool> for Json {
    fn from(value: bool) -> Json {
        Json(value.to_string())
    }
}

impl From<f64> for Json {
    fn from(value: f64) -> Json {
        // JSON has no NaN or infinity.
        Json(if value.is_finite() {
            value.to_string()
        } else {
            "null".to_string()
        })
    }
}

impl From<i64> for Json {
    fn from(value: i64) -> Json {
        Json(value.to_string())
    }
}

impl From<i32> for Json {
    fn from(value: i32) -> Json {
        Json(value.to_string())
    }
}

/// A JSON string literal: quotes, backslashes and control characters escaped, the rest kept.
pub(crate) fn quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_are_escaped_and_unicode_kept() {
        assert_eq!(
            Json::from("a\"b\\c\nd\u{1}é").as_str(),
            r#""a\"b\\c\nd\u0001é""#
        );
    }

    #[test]
    fn objects_keep_their_order_and_numbers_stay_json() {
        let json = Json::object(vec![
            ("b", Json::from(1.5)),
            ("a", Json::array(vec![Json::from(2), Json::from(f64::NAN)])),
        ]);
        assert_eq!(json.as_str(), r#"{"b":1.5,"a":[2,null]}"#);
    }
}
