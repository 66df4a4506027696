//! How a destination describes its authentication scheme and settings fields; the SDK turns
//! it into the definition JSON that the host validates at load (see `docs/abi.md`).

use crate::json::Json;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scheme {
    Basic,
    Custom,
    OAuth2,
    OAuthManaged,
}

impl Scheme {
    fn as_str(self) -> &'static str {
        match self {
            Scheme::Basic => "basic",
            Scheme::Custom => "custom",
            Scheme::OAuth2 => "oauth2",
            Scheme::OAuthManaged => "oauth-managed",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FieldType {
    String,
    Text,
    Number,
    Integer,
    Boolean,
    /// A secret: never shown in any log, error or output.
    Password,
    Datetime,
    Object,
}

impl FieldType {
    fn as_str(self) -> &'static str {
        match self {
            FieldType::String => "string",
            FieldType::Text => "text",
            FieldType::Number => "number",
            FieldType::Integer => "integer",
            FieldType::Boolean => "boolean",
            FieldType::Password => "password",
            FieldType::Datetime => "datetime",
            FieldType::Object => "object",
        }
    }
}

/// One settings field, built from `Field::new(key, label, type)` and the options below.
#[derive(Clone, Debug)]
pub struct Field {
    key: String,
    label: String,
    field_type: FieldType,
    description: String,
    required: bool,
    default: Option<Json>,
    choices: Vec<(Json, String)>,
    format: String,
    pattern: String,
    minimum: Option<f64>,
    maximum: Option<f64>,
    multiple: bool,
}

impl Field {
    pub fn new(key: &str, label: &str, field_type: FieldType) -> Field {
        Field {
            key: key.to_string(),
            label: label.to_string(),
            field_type,
            description: String::new(),
            required: false,
            default: None,
            choices: Vec::new(),
            format: String::new(),
            pattern: String::new(),
            minimum: None,
            maximum: None,
            multiple: false,
        }
    }

    pub fn description(mut self, text: &str) -> Field {
        self.description = text.to_string();
        self
    }

    /// Present and, for strings, non-empty.
    pub fn required(mut self) -> Field {
        self.required = true;
        self
    }

    pub fn default_value(mut self, value: impl Into<Json>) -> Field {
        self.default = Some(value.into());
        self
    }

    /// One allowed value, with the label a person sees.
    pub fn choice(mut self, value: impl Into<Json>, label: &str) -> Field {
        self.choices.push((value.into(), label.to_string()));
        self
    }

    /// Allowed string values, each its own label.
    pub fn choices(mut self, values: &[&str]) -> Field {
        for value in values {
            self = self.choice(*value, value);
        }
        self
    }

    /// `uri`, `email`, `hostname`, `date-time`, `date`, `uuid` or `ipv4`.
    pub fn format(mut self, format: &str) -> Field {
        self.format = format.to_string();
        self
    }

    /// A regular expression (RE2 syntax) the whole value must match; for string, text,
    /// password and datetime fields.
    pub fn pattern(mut self, pattern: &str) -> Field {
        self.pattern = pattern.to_string();
        self
    }

    /// The smallest value of a number, or the shortest length of a string.
    pub fn minimum(mut self, value: f64) -> Field {
        self.minimum = Some(value);
        self
    }

    /// The largest value of a number, or the longest length of a string.
    pub fn maximum(mut self, value: f64) -> Field {
        self.maximum = Some(value);
        self
    }

    /// An array of values of the field's type.
    pub fn multiple(mut self) -> Field {
        self.multiple = true;
        self
    }

    fn to_json(&self) -> Json {
        let mut members = vec![
            ("label", Json::from(self.label.as_str())),
            ("type", Json::from(self.field_type.as_str())),
        ];
        if !self.description.is_empty() {
            members.push(("description", Json::from(self.description.as_str())));
        }
        if self.required {
            members.push(("required", Json::from(true)));
        }
        if let Some(default) = &self.default {
            members.push(("default", default.clone()));
        }
        if !self.choices.is_empty() {
            let choices = self
                .choices
                .iter()
                .map(|(value, label)| {
                    Json::object(vec![
                        ("value", value.clone()),
                        ("label", Json::from(label.as_str())),
                    ])
                })
                .collect();
            members.push(("choices", Json::array(choices)));
        }
        if !self.format.is_empty() {
            members.push(("format", Json::from(self.format.as_str())));
        }
        if !self.pattern.is_empty() {
            members.push(("pattern", Json::from(self.pattern.as_str())));
        }
        if let Some(minimum) = self.minimum {
            members.push(("minimum", Json::from(minimum)));
        }
        if let Some(maximum) = self.maximum {
            members.push(("maximum", Json::from(maximum)));
        }
        if self.multiple {
            members.push(("multiple", Json::from(true)));
        }
        Json::object(members)
    }
}

/// The definition JSON of a destination, as `docs/abi.md` describes it.
pub(crate) fn definition_json(
    name: &str,
    slug: &str,
    version: &str,
    description: &str,
    scheme: Scheme,
    fields: &[Field],
) -> String {
    let fields = fields
        .iter()
        .map(|field| (field.key.as_str(), field.to_json()))
        .collect();
    let authentication = Json::object(vec![
        ("scheme", Json::from(scheme.as_str())),
        ("fields", Json::object(fields)),
    ]);
    let mut members = vec![
        ("name", Json::from(name)),
        ("slug", Json::from(slug)),
        ("version", Json::from(version)),
        ("authentication", authentication),
    ];
    if !description.is_empty() {
        members.push(("description", Json::from(description)));
    }
    Json::object(members).as_str().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_field_option_is_written() {
        let field = Field::new("mode", "Mode", FieldType::String)
            .description("How")
            .required()
            .default_value("a")
            .choices(&["a"])
            .choice(2, "Two")
            .format("uri")
            .pattern("[a-z]+")
            .minimum(1.0)
            .maximum(9.5)
            .multiple();
        let json = definition_json("N", "n", "1.0.0", "", Scheme::OAuthManaged, &[field]);
        assert_eq!(
            json,
            concat!(
                r#"{"name":"N","slug":"n","version":"1.0.0","authentication":{"scheme":"oauth-managed","fields":{"mode":"#,
                r#"{"label":"Mode","type":"string","description":"How","required":true,"default":"a","#,
                r#""choices":[{"value":"a","label":"a"},{"value":2,"label":"Two"}],"format":"uri","pattern":"[a-z]+","#,
                r#""minimum":1,"#,
                r#""maximum":9.5,"multiple":true}}}}"#
            )
        );
    }
}
