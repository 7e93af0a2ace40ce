################################################################################
# Security group: only the load balancer, only on the service port
################################################################################

resource "aws_security_group" "task" {
  name_prefix = "${var.name}-tasks-"
  description = "Tasks of ${var.name}: service port from the load balancer only"
  vpc_id      = var.vpc_id

  tags = merge({ Name = "${var.name}-tasks" }, var.tags)

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_vpc_security_group_ingress_rule" "from_load_balancer" {
  security_group_id            = aws_security_group.task.id
  description                  = "Requests and health checks from the load balancer"
  ip_protocol                  = "tcp"
  from_port                    = var.container_port
  to_port                      = var.container_port
  referenced_security_group_id = var.load_balancer_security_group_id

  tags = merge({ Name = "${var.name}-tasks-from-lb" }, var.tags)
}

resource "aws_vpc_security_group_egress_rule" "endpoints" {
  security_group_id = aws_security_group.task.id
  description       = "HTTPS to the interface VPC endpoints"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = var.vpc_cidr

  tags = merge({ Name = "${var.name}-tasks-to-endpoints" }, var.tags)
}

resource "aws_vpc_security_group_egress_rule" "gateway_endpoints" {
  for_each = toset(var.gateway_endpoint_prefix_list_ids)

  security_group_id = aws_security_group.task.id
  description       = "HTTPS to the S3 and DynamoDB gateway endpoints"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  prefix_list_id    = each.value

  tags = merge({ Name = "${var.name}-tasks-to-${each.value}" }, var.tags)
}

# Only with allow_internet_egress (off by default): HTTPS out through the NAT gateways.
#trivy:ignore:AVD-AWS-0104
resource "aws_vpc_security_group_egress_rule" "internet" {
  count = var.allow_internet_egress ? 1 : 0

  security_group_id = aws_security_group.task.id
  description       = "HTTPS to the internet through the NAT gateways"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = "0.0.0.0/0"

  tags = merge({ Name = "${var.name}-tasks-to-internet" }, var.tags)
}
