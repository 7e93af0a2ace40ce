################################################################################
# Lookups and locals the other files share
################################################################################

data "aws_caller_identity" "current" {}
data "aws_elb_service_account" "current" {}

locals {
  account_id        = data.aws_caller_identity.current.account_id
  access_log_prefix = "alb"
  create_cert       = var.certificate_arn == null
  certificate_arn = (local.create_cert
    ? one(aws_acm_certificate_validation.this[*].certificate_arn)
    : var.certificate_arn
  )
  ingress = {
    for pair in setproduct(var.ingress_cidrs, [80, 443]) : "${pair[1]}-${pair[0]}" => {
      cidr = pair[0]
      port = pair[1]
    }
  }
}
