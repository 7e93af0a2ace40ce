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
