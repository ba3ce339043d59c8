//! Text made safe to paste into a POSIX shell: the "copy as curl" commands the app offers are
//! pasted into terminals, so every word that came from elsewhere (a URL, a header, a body) is
//! quoted so the shell reads it back byte for byte and runs nothing in it.

/// `text` as one single-quoted shell word (a `'` inside becomes `'\''`).
pub fn quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

#[cfg(test)]
mod tests {
    use super::quote;

    #[test]
    fn quotes_survive_and_nothing_expands() {
        assert_eq!(quote("plain"), "'plain'");
        assert_eq!(quote("it's $HOME `x`"), r"'it'\''s $HOME `x`'");
        assert_eq!(quote(""), "''");
    }
}
