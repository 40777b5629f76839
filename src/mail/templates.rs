//! Email templates (minijinja, compiled into the binary from `templates/email`): a subject, a
//! plain-text and an HTML body per kind and language. HTML escapes every value.

use minijinja::Environment;

use super::message::EmailMessage;
use super::words;
use crate::domain::Language;

/// A rendered email.
#[derive(Debug, Clone)]
pub struct Rendered {
    pub subject: String,
    pub text: String,
    pub html: String,
}

pub struct Templates {
    env: Environment<'static>,
}

impl Templates {
    pub fn new() -> Templates {
        let mut env = Environment::new();
        minijinja_embed::load_templates!(&mut env);
        Templates { env }
    }

    /// Renders `message` in `language`: its fields are the template values, with times and
    /// roles written as a person of that language reads them.
    pub fn render(&self, message: &EmailMessage, language: Language) -> anyhow::Result<Rendered> {
        let values = template_values(message, language)?;
        let kind = message.kind();
        let part = |ext: &str| -> anyhow::Result<String> {
            let name = format!("{kind}/{}.{ext}", language.as_str());
            let template = self
                .env
                .get_template(&name)
                .map_err(|e| anyhow::anyhow!("no template {name}: {e}"))?;
            template
                .render(minijinja::value::Serde(&values))
                .map_err(|e| anyhow::anyhow!("cannot render {name}: {e}"))
        };
        let subject = part("subject")?
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        Ok(Rendered {
            subject,
            text: part("txt")?,
            html: part("html")?,
        })
    }
}

impl Default for Templates {
    fn default() -> Self {
        Templates::new()
    }
}

/// The message's fields, `expires_at` and `role` replaced by their words.
fn template_values(
    message: &EmailMessage,
    language: Language,
) -> anyhow::Result<serde_json::Value> {
    let mut values = serde_json::to_value(message)?;
    let role = match message {
        EmailMessage::Invitation { role, .. } | EmailMessage::AddedToWorkspace { role, .. } => {
            Some(*role)
        }
        _ => None,
    };
    let expires_at = match message {
        EmailMessage::Invitation { expires_at, .. }
        | EmailMessage::TransferCode { expires_at, .. }
        | EmailMessage::VerifyEmail { expires_at, .. }
        | EmailMessage::PasswordReset { expires_at, .. } => Some(*expires_at),
        _ => None,
    };
    if let Some(map) = values.as_object_mut() {
        if let Some(role) = role {
            map.insert("role".into(), words::role_name(role, language).into());
        }
        if let Some(at) = expires_at {
            map.insert("expires_at".into(), words::date_time(at, language).into());
        }
    }
    Ok(values)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mail::message::samples;

    #[test]
    fn every_kind_renders_in_both_languages_and_escapes_html() {
        let templates = Templates::new();
        for message in samples::all() {
            for language in [Language::EnUs, Language::ZhHans] {
                let what = format!("{} {}", message.kind(), language.as_str());
                let r = templates.render(&message, language).unwrap();
                assert!(!r.subject.is_empty() && !r.subject.contains('\n'), "{what}");
                assert!(
                    !r.html.contains("<script>") && !r.html.contains("<b>"),
                    "{what}"
                );
                assert!(
                    !r.text.contains("&lt;"),
                    "{what}: plain text is not escaped"
                );
                if let Some(secret) = message.secret() {
                    assert!(
                        r.text.contains(secret),
                        "{what}: the link or code is in the text"
                    );
                    let html = r.html.replace("&#x2f;", "/").replace("&amp;", "&");
                    assert!(html.contains(secret), "{what}: and in the HTML");
                }
                // Machine formats never reach a reader.
                assert!(!r.text.contains("2026-11-30T"), "{what}: {}", r.text);
                for raw in ["EDITOR", "DATASET_OPERATOR"] {
                    assert!(!r.text.contains(raw), "{what}: {raw} in {}", r.text);
                }
            }
        }
    }

    #[test]
    fn dates_and_roles_are_words_of_the_language() {
        let templates = Templates::new();
        let all = samples::all();
        let invite = templates.render(&all[0], Language::EnUs).unwrap();
        assert!(
            invite
                .text
                .contains("Monday, November 30, 2026, 8:05 PM UTC"),
            "{}",
            invite.text
        );
        assert!(invite.text.contains("Editor"), "{}", invite.text);
        let added = templates.render(&all[1], Language::ZhHans).unwrap();
        assert!(added.text.contains("知识库管理员"), "{}", added.text);
        let reset = templates.render(&all[6], Language::ZhHans).unwrap();
        assert!(
            reset.text.contains("2026年11月30日（星期一）20:05 UTC"),
            "{}",
            reset.text
        );
    }
}
