################################################################################
# Certificate and DNS (when the module issues the certificate)
################################################################################

resource "aws_acm_certificate" "this" {
  count = local.create_cert ? 1 : 0

  domain_name       = var.domain_name
  validation_method = "DNS"

  tags = merge({ Name = var.domain_name }, var.tags)

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_route53_record" "validation" {
  for_each = {
    for option in flatten(aws_acm_certificate.this[*].domain_validation_options) :
    option.domain_name => option
  }

  zone_id         = var.route53_zone_id
  name            = each.value.resource_record_name
  type            = each.value.resource_record_type
  records         = [each.value.resource_record_value]
  ttl             = 300
  allow_overwrite = true
}

resource "aws_acm_certificate_validation" "this" {
  count = local.create_cert ? 1 : 0

  certificate_arn         = one(aws_acm_certificate.this[*].arn)
  validation_record_fqdns = [for record in aws_route53_record.validation : record.fqdn]
}

resource "aws_route53_record" "alias" {
  count = var.domain_name != null && var.route53_zone_id != null ? 1 : 0

  zone_id = var.route53_zone_id
  name    = var.domain_name
  type    = "A"

  alias {
    name                   = aws_lb.this.dns_name
    zone_id                = aws_lb.this.zone_id
    evaluate_target_health = true
  }
}
