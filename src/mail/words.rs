//! How values read in an email's language: role names as words, times with their zone.

use chrono::{DateTime, Datelike, Timelike, Utc, Weekday};

use crate::domain::{Language, Role};

/// A role as a person reads it (Dify's own names in Chinese).
pub fn role_name(role: Role, language: Language) -> &'static str {
    match language {
        Language::EnUs => role.display_name(),
        Language::ZhHans => match role {
            Role::Owner => "所有者",
            Role::Admin => "管理员",
            Role::Editor => "编辑",
            Role::Normal => "成员",
            Role::DatasetOperator => "知识库管理员",
        },
    }
}

/// A moment as a person reads it, with the time zone said (UTC: Roster does not know the
/// recipient's zone): "Monday, November 30, 2026, 8:05 PM UTC" / "2026年11月30日（星期一）20:05 UTC".
pub fn date_time(at: DateTime<Utc>, language: Language) -> String {
    match language {
        Language::EnUs => at.format("%A, %B %-d, %Y, %-I:%M %p UTC").to_string(),
        Language::ZhHans => format!(
            "{}年{}月{}日（{}）{:02}:{:02} UTC",
            at.year(),
            at.month(),
            at.day(),
            weekday_zh(at.weekday()),
            at.hour(),
            at.minute()
        ),
    }
}

fn weekday_zh(day: Weekday) -> &'static str {
    match day {
        Weekday::Mon => "星期一",
        Weekday::Tue => "星期二",
        Weekday::Wed => "星期三",
        Weekday::Thu => "星期四",
        Weekday::Fri => "星期五",
        Weekday::Sat => "星期六",
        Weekday::Sun => "星期日",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_read_naturally_in_both_languages() {
        let at = DateTime::parse_from_rfc3339("2026-11-30T20:05:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(
            date_time(at, Language::EnUs),
            "Monday, November 30, 2026, 8:05 PM UTC"
        );
        assert_eq!(
            date_time(at, Language::ZhHans),
            "2026年11月30日（星期一）20:05 UTC"
        );
    }

    #[test]
    fn roles_are_words() {
        assert_eq!(
            role_name(Role::DatasetOperator, Language::EnUs),
            "Dataset operator"
        );
        assert_eq!(role_name(Role::Admin, Language::ZhHans), "管理员");
    }
}
