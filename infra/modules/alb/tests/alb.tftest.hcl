# Plan-only checks of the listeners and the target group: TLS 1.2+ on 443, 80 only redirects,
# and a deregistration delay equal to the service's drain period; plus inputs the variable
# validations must refuse. The AWS provider is mocked: no account or credentials are needed, but
# `terraform init` still downloads the provider for its schema.

# The AWS data sources answer with the shared values of infra/test-mocks (the path is relative
# to the module).
mock_provider "aws" {
  source = "../../test-mocks"
}

variables {
  name                     = "hello-test"
  vpc_id                   = "vpc-0123456789abcdef0"
  public_subnet_ids        = ["subnet-0a", "subnet-0b", "subnet-0c"]
  target_security_group_id = "sg-0123abcd"
  # The drain period of the service (HELLO_DRAIN_SECONDS), as the environments pass it.
  deregistration_delay_seconds = 10
  # An existing certificate: a certificate the module issues has its validation records only
  # after apply, which a plan against a mocked provider cannot see.
  certificate_arn = join("", [
    "arn:aws:acm:eu-west-1:123456789012:",
    "certificate/01234567-89ab-cdef-0123-456789abcdef",
  ])
}

run "https_listener_uses_a_tls12_policy" {
  command = plan

  assert {
    condition = (
      aws_lb_listener.https.port == 443 && aws_lb_listener.https.protocol == "HTTPS"
    )
    error_message = "the listener on 443 must speak HTTPS."
  }

  assert {
    condition     = aws_lb_listener.https.ssl_policy == "ELBSecurityPolicy-TLS13-1-2-Res-2021-06"
    error_message = "the HTTPS listener must default to the TLS 1.3/1.2 restricted policy."
  }

  assert {
    condition     = aws_lb_listener.https.certificate_arn == var.certificate_arn
    error_message = "the HTTPS listener must serve the certificate passed in."
  }

  assert {
    condition     = aws_lb_listener.https.default_action[0].type == "forward"
    error_message = "the HTTPS listener must forward to the target group."
  }

  assert {
    condition     = aws_lb.this.drop_invalid_header_fields
    error_message = "the load balancer must drop invalid header fields."
  }
}

run "http_listener_only_redirects" {
  command = plan

  assert {
    condition = (
      aws_lb_listener.http.port == 80
      && aws_lb_listener.http.default_action[0].type == "redirect"
    )
    error_message = "the listener on 80 must only redirect."
  }

  assert {
    condition = (
      aws_lb_listener.http.default_action[0].redirect[0].protocol == "HTTPS"
      && aws_lb_listener.http.default_action[0].redirect[0].port == "443"
      && aws_lb_listener.http.default_action[0].redirect[0].status_code == "HTTP_301"
    )
    error_message = "port 80 must redirect permanently to HTTPS on 443."
  }
}

run "target_group_drains_for_the_drain_period" {
  command = plan

  assert {
    condition     = aws_lb_target_group.this.deregistration_delay == "10"
    error_message = "the deregistration delay must equal the drain period passed in (10 s)."
  }

  assert {
    condition     = aws_lb_target_group.this.health_check[0].path == "/readyz"
    error_message = "the target group must probe /readyz, which answers 503 while draining."
  }
}

run "waf_is_attached_when_enabled" {
  command = plan

  variables {
    enable_waf = true
  }

  assert {
    condition = (
      length(aws_wafv2_web_acl.this) == 1 && length(aws_wafv2_web_acl_association.this) == 1
    )
    error_message = "enable_waf must create the web ACL and attach it to the load balancer."
  }
}

run "rejects_a_tls10_policy" {
  command = plan

  variables {
    ssl_policy = "ELBSecurityPolicy-2016-08"
  }

  expect_failures = [var.ssl_policy]
}

run "rejects_no_certificate_and_no_domain" {
  command = plan

  variables {
    certificate_arn = null
  }

  expect_failures = [var.certificate_arn]
}
