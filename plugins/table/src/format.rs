//! How numbers read in the table: at most two decimals, no trailing zeros
//! (`6`, `1.5`, `0.46`), as the guest SDK writes them for every built-in
//! renderer; [`push_number`] appends one to a cell's text.

pub use planhost_guest::format::push_number;
