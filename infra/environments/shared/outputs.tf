output "ecr_repository_name" {
  description = "Name of the image repository (GitHub variable ECR_REPOSITORY)."
  value       = module.registry.name
}

output "ecr_repository_url" {
  description = "URL of the image repository."
  value       = module.registry.url
}

output "publish_role_arn" {
  description = <<-EOT
    Role the deploy workflow's build job assumes to push images (GitHub variable
    AWS_PUBLISH_ROLE_ARN).
  EOT
  value       = module.ci_publish.role_arn
}

output "oidc_provider_arn" {
  description = "ARN of the GitHub Actions OIDC identity provider."
  value       = module.ci_publish.oidc_provider_arn
}
