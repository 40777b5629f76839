//! Email templates (minijinja, compiled into the binary from `templates/email`): a subject, a
//! plain-text and an HTML body per kind and language. HTML escapes every value.

use minijinja::Environment;

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

    /// Renders `kind` (e.g. `invitation`) in `language` (`en-US`, `zh-Hans`; anything else falls
    /// back to `en-US`) with the outbox row's payload as the template values.
    pub fn render(
        &self,
        kind: &str,
        language: &str,
        values: &serde_json::Value,
    ) -> anyhow::Result<Rendered> {
        let language = if language == "zh-Hans" {
            "zh-Hans"
        } else {
            "en-US"
        };
        let part = |ext: &str| -> anyhow::Result<String> {
            let name = format!("{kind}/{language}.{ext}");
            let template = self
                .env
                .get_template(&name)
                .map_err(|e| anyhow::anyhow!("no template {name}: {e}"))?;
            template
                .render(minijinja::value::Serde(values))
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

#[cfg(test)]
mod tests {
    use super::*;

    const KINDS: [&str; 5] = [
        "invitation",
        "added_to_workspace",
        "transfer_code",
        "ownership_transferred_old",
        "ownership_transferred_new",
    ];

    #[test]
    fn every_kind_renders_in_both_languages_and_escapes_html() {
        let templates = Templates::new();
        let values = serde_json::json!({
            "workspace_name": "<script>x</script>",
            "inviter_name": "Olga",
            "inviter_email": "olga@example.com",
            "account_name": "Neo",
            "activation_url": "https://r.example/activate?token=abc",
            "login_url": "https://r.example/",
            "role": "ADMIN",
            "code": "123456",
            "expires_at": "2026-11-30T20:00:00Z",
            "old_owner_name": "Olga",
            "old_owner_email": "olga@example.com",
            "new_owner_name": "Hugo",
            "new_owner_email": "hugo@example.com",
        });
        for kind in KINDS {
            for language in ["en-US", "zh-Hans"] {
                let r = templates.render(kind, language, &values).unwrap();
                assert!(
                    !r.subject.is_empty() && !r.subject.contains('\n'),
                    "{kind} {language}"
                );
                assert!(r.html.contains("&lt;script&gt;"), "{kind} {language}");
                assert!(!r.html.contains("<script>"), "{kind} {language}");
                assert!(r.text.contains("<script>x</script>"), "{kind} {language}");
            }
        }
        let invite = templates.render("invitation", "en-US", &values).unwrap();
        assert!(invite.text.contains("https://r.example/activate?token=abc"));
        let code = templates
            .render("transfer_code", "zh-Hans", &values)
            .unwrap();
        assert!(code.text.contains("123456"));
        assert!(templates.render("nope", "en-US", &values).is_err());
    }
}
