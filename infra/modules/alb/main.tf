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

################################################################################
# Security group: the internet in on 80/443, out only to the tasks' port
################################################################################

resource "aws_security_group" "this" {
  name_prefix = "${var.name}-lb-"
  description = "Load balancer of ${var.name}: HTTP/HTTPS in, service port out to the tasks"
  vpc_id      = var.vpc_id

  tags = merge({ Name = "${var.name}-lb" }, var.tags)

  lifecycle {
    create_before_destroy = true
  }
}

# The service is public: clients anywhere reach 80 (redirect only) and 443.
#trivy:ignore:AVD-AWS-0107
resource "aws_vpc_security_group_ingress_rule" "clients" {
  for_each = local.ingress

  security_group_id = aws_security_group.this.id
  description       = "Clients on port ${each.value.port}"
  ip_protocol       = "tcp"
  from_port         = each.value.port
  to_port           = each.value.port
  cidr_ipv4         = each.value.cidr

  tags = merge({ Name = "${var.name}-lb-in-${each.key}" }, var.tags)
}

resource "aws_vpc_security_group_egress_rule" "targets" {
  security_group_id            = aws_security_group.this.id
  description                  = "Forwarded requests and health checks to the service's tasks"
  ip_protocol                  = "tcp"
  from_port                    = var.container_port
  to_port                      = var.container_port
  referenced_security_group_id = var.target_security_group_id

  tags = merge({ Name = "${var.name}-lb-to-tasks" }, var.tags)
}

################################################################################
# Access logs bucket
################################################################################

# Load balancer access logs can only be delivered to SSE-S3 buckets, not SSE-KMS.
#trivy:ignore:AVD-AWS-0132
resource "aws_s3_bucket" "access_logs" {
  bucket_prefix = "${var.name}-alb-logs-"
  force_destroy = var.log_bucket_force_destroy

  tags = merge({ Name = "${var.name}-alb-logs" }, var.tags)
}

resource "aws_s3_bucket_public_access_block" "access_logs" {
  bucket = aws_s3_bucket.access_logs.id

  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_ownership_controls" "access_logs" {
  bucket = aws_s3_bucket.access_logs.id

  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

# Load balancer access logs support only SSE-S3 on the destination bucket.
resource "aws_s3_bucket_server_side_encryption_configuration" "access_logs" {
  bucket = aws_s3_bucket.access_logs.id

  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = "AES256"
    }
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "access_logs" {
  bucket = aws_s3_bucket.access_logs.id

  rule {
    id     = "expire-access-logs"
    status = "Enabled"

    filter {}

    expiration {
      days = var.access_log_retention_days
    }

    abort_incomplete_multipart_upload {
      days_after_initiation = 1
    }
  }
}

# Regions opened before August 2022 deliver logs from a regional ELB account, newer ones from
# the log delivery service principal; naming both works everywhere.
data "aws_iam_policy_document" "access_logs" {
  statement {
    sid     = "LoadBalancerLogDelivery"
    actions = ["s3:PutObject"]
    resources = [
      "${aws_s3_bucket.access_logs.arn}/${local.access_log_prefix}/AWSLogs/${local.account_id}/*",
    ]

    principals {
      type        = "AWS"
      identifiers = [data.aws_elb_service_account.current.arn]
    }

    principals {
      type        = "Service"
      identifiers = ["logdelivery.elasticloadbalancing.amazonaws.com"]
    }
  }

  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["s3:*"]
    resources = [aws_s3_bucket.access_logs.arn, "${aws_s3_bucket.access_logs.arn}/*"]

    principals {
      type        = "*"
      identifiers = ["*"]
    }

    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}

resource "aws_s3_bucket_policy" "access_logs" {
  bucket = aws_s3_bucket.access_logs.id
  policy = data.aws_iam_policy_document.access_logs.json

  depends_on = [aws_s3_bucket_public_access_block.access_logs]
}

################################################################################
# Load balancer
################################################################################

# Internet-facing by design: it is the service's only public entry point.
#trivy:ignore:AVD-AWS-0053
resource "aws_lb" "this" {
  name               = var.name
  load_balancer_type = "application"
  internal           = false
  subnets            = var.public_subnet_ids
  security_groups    = [aws_security_group.this.id]

  drop_invalid_header_fields = true        # header names outside RFC 7230 never reach the service
  desync_mitigation_mode     = "strictest" # refuse ambiguous framing instead of passing it on
  enable_deletion_protection = var.deletion_protection
  idle_timeout               = var.idle_timeout_seconds
  enable_http2               = true
  xff_header_processing_mode = "append"

  access_logs {
    bucket  = aws_s3_bucket.access_logs.id
    prefix  = local.access_log_prefix
    enabled = true
  }

  tags = merge({ Name = var.name }, var.tags)

  depends_on = [aws_s3_bucket_policy.access_logs]
}

resource "aws_lb_target_group" "this" {
  name        = "${var.name}-tg"
  vpc_id      = var.vpc_id
  target_type = "ip"
  protocol    = "HTTP"
  port        = var.container_port

  # Equal to the service's drain period (HELLO_DRAIN_SECONDS): a task leaving rotation keeps its
  # in-flight requests this long, and the task's stopTimeout is longer than drain + shutdown.
  deregistration_delay          = var.deregistration_delay_seconds
  load_balancing_algorithm_type = "least_outstanding_requests"

  health_check {
    enabled             = true
    path                = var.health_check_path # /readyz: 503 while draining or when storage fails
    protocol            = "HTTP"
    port                = "traffic-port"
    matcher             = "200"
    interval            = 10
    timeout             = 5
    healthy_threshold   = 2
    unhealthy_threshold = 2
  }

  tags = merge({ Name = "${var.name}-tg" }, var.tags)
}

################################################################################
# Listeners: HTTPS forwards, HTTP only redirects
################################################################################

resource "aws_lb_listener" "https" {
  load_balancer_arn = aws_lb.this.arn
  port              = 443
  protocol          = "HTTPS"
  ssl_policy        = var.ssl_policy
  certificate_arn   = local.certificate_arn

  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.this.arn
  }

  tags = merge({ Name = "${var.name}-https" }, var.tags)
}

resource "aws_lb_listener" "http" {
  load_balancer_arn = aws_lb.this.arn
  port              = 80
  protocol          = "HTTP"

  default_action {
    type = "redirect"

    redirect {
      protocol    = "HTTPS"
      port        = "443"
      status_code = "HTTP_301"
    }
  }

  tags = merge({ Name = "${var.name}-http-redirect" }, var.tags)
}

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

################################################################################
# WAF (optional): per-IP rate limit and the AWS managed common rule set
################################################################################

resource "aws_wafv2_web_acl" "this" {
  count = var.enable_waf ? 1 : 0

  name  = var.name
  scope = "REGIONAL"

  default_action {
    allow {}
  }

  rule {
    name     = "rate-limit-per-ip"
    priority = 1

    action {
      block {}
    }

    statement {
      rate_based_statement {
        limit              = var.waf_rate_limit
        aggregate_key_type = "IP"
      }
    }

    visibility_config {
      cloudwatch_metrics_enabled = true
      metric_name                = "${var.name}-rate-limit-per-ip"
      sampled_requests_enabled   = true
    }
  }

  rule {
    name     = "aws-managed-common-rule-set"
    priority = 2

    override_action {
      none {}
    }

    statement {
      managed_rule_group_statement {
        name        = "AWSManagedRulesCommonRuleSet"
        vendor_name = "AWS"
      }
    }

    visibility_config {
      cloudwatch_metrics_enabled = true
      metric_name                = "${var.name}-common-rule-set"
      sampled_requests_enabled   = true
    }
  }

  visibility_config {
    cloudwatch_metrics_enabled = true
    metric_name                = var.name
    sampled_requests_enabled   = true
  }

  tags = merge({ Name = var.name }, var.tags)
}

resource "aws_wafv2_web_acl_association" "this" {
  count = var.enable_waf ? 1 : 0

  resource_arn = aws_lb.this.arn
  web_acl_arn  = aws_wafv2_web_acl.this[0].arn
}
