-- Trimming and whitespace normalisation.
local function trim(s) return (string.gsub(s, '^%s*(.-)%s*$', '%1')) end
local function trim2(s) return string.match(s, '^%s*(.-)%s*$') end
local function ltrim(s) return (s:gsub('^%s+', '')) end
local function rtrim(s) return (s:gsub('%s+$', '')) end
local function squeeze(s) return (s:gsub('%s+', ' ')) end
for _, s in ipairs({'  both  ', 'none', '', '   ', '\t\ntabs\r\n', ' inner  space ', '\vvertical\f'}) do
  print(string.format('%q %q %q %q %q %q', s, trim(s), trim2(s), ltrim(s), rtrim(s), squeeze(trim(s))))
end
