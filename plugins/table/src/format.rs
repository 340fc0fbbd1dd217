//! How numbers read in the table: at most two decimals, no trailing zeros
//! (`6`, `1.5`, `0.46`).

/// Formats `value` with at most two decimals and no trailing zeros.
pub fn number(value: f64) -> String {
    let text = format!("{value:.2}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    if text == "-0" { "0".to_owned() } else { text.to_owned() }
}

#[cfg(test)]
mod tests {
    use super::number;

    #[test]
    fn numbers() {
        assert_eq!(number(6.0), "6");
        assert_eq!(number(1.5), "1.5");
        assert_eq!(number(6.0 / 13.0), "0.46");
        assert_eq!(number(10.0), "10");
        assert_eq!(number(-0.001), "0");
    }
}
