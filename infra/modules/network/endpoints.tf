################################################################################
# VPC endpoints: tasks pull images, write logs and read secrets without a NAT gateway
################################################################################

resource "aws_security_group" "endpoints" {
  name_prefix = "${var.name}-endpoints-"
  description = "HTTPS from the private subnets to the interface VPC endpoints"
  vpc_id      = aws_vpc.this.id

  tags = merge({ Name = "${var.name}-endpoints" }, var.tags)

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_vpc_security_group_ingress_rule" "endpoints_https" {
  count = var.availability_zone_count

  security_group_id = aws_security_group.endpoints.id
  description       = "HTTPS from private subnet ${local.azs[count.index]}"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = aws_subnet.private[count.index].cidr_block

  tags = merge({ Name = "${var.name}-endpoints-${local.azs[count.index]}" }, var.tags)
}

resource "aws_vpc_endpoint" "interface" {
  for_each = var.interface_endpoints

  vpc_id              = aws_vpc.this.id
  service_name        = "com.amazonaws.${local.region}.${each.value}"
  vpc_endpoint_type   = "Interface"
  private_dns_enabled = true
  subnet_ids          = aws_subnet.private[*].id
  security_group_ids  = [aws_security_group.endpoints.id]

  tags = merge({ Name = "${var.name}-${each.value}" }, var.tags)
}

# ECR stores image layers in S3, so the S3 gateway endpoint is part of every image pull.
resource "aws_vpc_endpoint" "s3" {
  vpc_id            = aws_vpc.this.id
  service_name      = "com.amazonaws.${local.region}.s3"
  vpc_endpoint_type = "Gateway"
  route_table_ids   = aws_route_table.private[*].id
  policy            = var.s3_endpoint_policy_json

  tags = merge({ Name = "${var.name}-s3" }, var.tags)
}

resource "aws_vpc_endpoint" "dynamodb" {
  vpc_id            = aws_vpc.this.id
  service_name      = "com.amazonaws.${local.region}.dynamodb"
  vpc_endpoint_type = "Gateway"
  route_table_ids   = aws_route_table.private[*].id
  policy            = var.dynamodb_endpoint_policy_json

  tags = merge({ Name = "${var.name}-dynamodb" }, var.tags)
}
