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
