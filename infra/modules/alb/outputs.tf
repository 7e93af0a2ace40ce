################################################################################
# Load balancer
################################################################################

output "arn" {
  description = "ARN of the load balancer."
  value       = aws_lb.this.arn
}

output "arn_suffix" {
  description = <<-EOT
    ARN suffix of the load balancer, the LoadBalancer dimension of its CloudWatch metrics.
  EOT
  value       = aws_lb.this.arn_suffix
}

output "dns_name" {
  description = "DNS name AWS assigned to the load balancer."
  value       = aws_lb.this.dns_name
}

output "zone_id" {
  description = "Route 53 zone ID of the load balancer, for alias records."
  value       = aws_lb.this.zone_id
}

output "url" {
  description = <<-EOT
    HTTPS URL of the service: the custom domain when set, else the load balancer's own name (whose
    certificate will not match).
  EOT
  value       = "https://${coalesce(var.domain_name, aws_lb.this.dns_name)}"
}

output "security_group_id" {
  description = "ID of the load balancer's security group, the only source the tasks admit."
  value       = aws_security_group.this.id
}

output "https_listener_arn" {
  description = "ARN of the HTTPS listener."
  value       = aws_lb_listener.https.arn
}

output "access_log_bucket_name" {
  description = "Name of the S3 bucket holding the access logs."
  value       = aws_s3_bucket.access_logs.id
}

################################################################################
# Target group
################################################################################

output "target_group_arn" {
  description = "ARN of the target group the service registers its tasks in."
  value       = aws_lb_target_group.this.arn

  # ECS refuses a target group that no listener uses yet, so consumers wait for the listener.
  depends_on = [aws_lb_listener.https]
}

output "target_group_arn_suffix" {
  description = <<-EOT
    ARN suffix of the target group, the TargetGroup dimension of its CloudWatch metrics.
  EOT
  value       = aws_lb_target_group.this.arn_suffix
}

output "request_count_resource_label" {
  description = "Resource label of the ALBRequestCountPerTarget scaling metric."
  value       = "${aws_lb.this.arn_suffix}/${aws_lb_target_group.this.arn_suffix}"
}

################################################################################
# Certificate and WAF
################################################################################

output "certificate_arn" {
  description = "ARN of the certificate served on 443."
  value       = local.certificate_arn
}

output "web_acl_arn" {
  description = "ARN of the WAF web ACL, or null when WAF is off."
  value       = try(aws_wafv2_web_acl.this[0].arn, null)
}
