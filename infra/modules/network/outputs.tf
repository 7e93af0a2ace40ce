################################################################################
# VPC
################################################################################

output "vpc_id" {
  description = "ID of the VPC."
  value       = aws_vpc.this.id
}

output "vpc_cidr" {
  description = "IPv4 CIDR of the VPC."
  value       = aws_vpc.this.cidr_block
}

output "availability_zones" {
  description = "Availability zones the subnets are spread over, in subnet order."
  value       = local.azs
}

################################################################################
# Subnets
################################################################################

output "public_subnet_ids" {
  description = "IDs of the public subnets (load balancer only), one per zone."
  value       = aws_subnet.public[*].id
}

output "private_subnet_ids" {
  description = "IDs of the private subnets (service tasks), one per zone."
  value       = aws_subnet.private[*].id
}

output "private_route_table_ids" {
  description = "IDs of the private route tables, one per zone."
  value       = aws_route_table.private[*].id
}

################################################################################
# Endpoints and NAT
################################################################################

output "gateway_endpoint_prefix_list_ids" {
  description = <<-EOT
    Prefix list IDs of the S3 and DynamoDB gateway endpoints, for security group egress rules.
  EOT
  value       = [aws_vpc_endpoint.s3.prefix_list_id, aws_vpc_endpoint.dynamodb.prefix_list_id]
}

output "interface_endpoint_ids" {
  description = "IDs of the interface VPC endpoints, keyed by short service name."
  value       = { for service, endpoint in aws_vpc_endpoint.interface : service => endpoint.id }
}

output "nat_gateway_ids" {
  description = "IDs of the NAT gateways (empty when enable_nat_gateway is false)."
  value       = aws_nat_gateway.this[*].id
}

################################################################################
# Flow logs
################################################################################

output "flow_log_bucket_name" {
  description = "Name of the S3 bucket holding the VPC flow logs."
  value       = aws_s3_bucket.flow_logs.id
}

output "flow_log_id" {
  description = "ID of the VPC flow log."
  value       = aws_flow_log.this.id
}
