-- A module of the corpus: T-shirt sizes in weeks.
local M = {}
local WEEKS = {S = 1, M = 2, L = 3, Q = 13}

function M.weeks(estimate)
  local factor, size = estimate:match("^(%d*)([SMLQ])$")
  if not size then return nil, "bad estimate '" .. estimate .. "'" end
  return (tonumber(factor) or 1) * WEEKS[size]
end

M.loaded_as = ...
return M
