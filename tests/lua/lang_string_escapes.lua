-- String escapes: \x, \u{}, \z, decimal, \n \t \\ \" and friends.
print("a\tb", "c\\d", "e\"f", 'g\'h')
print("\65\066\0671", "\x41\x42\x43", "\x7a\x7A")
print("\u{48}\u{49}", #"\u{e9}", #"\u{20AC}", #"\u{10FFFF}")
print("one \z
       two", "x\z   y")
print(#"\0", #"a\0b", ("a\0b"):byte(2))
print("line1\nline2")
print("bell" .. #"\a\b\f\v\r")
print("\u{7FF}" == "\xDF\xBF", "\u{FFFF}" == "\xEF\xBF\xBF")
print("cont\
inued")
print(string.byte("\255"), string.byte("\x80"), "\104\105")
print(load('return "\\q"') == nil)
