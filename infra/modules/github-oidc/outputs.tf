output "role_arn" {
  description = <<-EOT
    ARN of the role; the workflow passes it to configure-aws-credentials as role-to-assume.
  EOT
  value       = aws_iam_role.this.arn
}

output "role_name" {
  description = "Name of the role."
  value       = aws_iam_role.this.name
}

output "oidc_provider_arn" {
  description = "ARN of the GitHub Actions OIDC identity provider."
  value       = local.provider_arn
}
