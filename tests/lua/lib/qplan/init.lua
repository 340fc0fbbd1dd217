-- The qplan package: require "lib.qplan" loads every part.
return {
  estimate = require("lib.qplan.estimate"),
  tags = require("lib.qplan.tags"),
  tsv = require("lib.qplan.tsv"),
  Item = require("lib.qplan.item"),
  Plan = require("lib.qplan.plan"),
}
