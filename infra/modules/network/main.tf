################################################################################
# Lookups, zones and names the other files share
################################################################################

data "aws_availability_zones" "available" {
  state = "available"

  filter {
    name   = "opt-in-status"
    values = ["opt-in-not-required"]
  }
}

data "aws_caller_identity" "current" {}
data "aws_region" "current" {}

locals {
  azs = slice(data.aws_availability_zones.available.names, 0, var.availability_zone_count)
  nat_count = (var.enable_nat_gateway
    ? (var.single_nat_gateway ? 1 : var.availability_zone_count)
    : 0
  )
  account_id  = data.aws_caller_identity.current.account_id
  region      = data.aws_region.current.name
  flow_prefix = "vpc-flow-logs"
}
