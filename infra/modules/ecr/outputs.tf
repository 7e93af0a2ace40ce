output "name" {
  description = "Name of the repository."
  value       = aws_ecr_repository.this.name
}

output "arn" {
  description = "ARN of the repository (the only one the publish and execution roles may use)."
  value       = aws_ecr_repository.this.arn
}

output "url" {
  description = "Repository URL, <account>.dkr.ecr.<region>.amazonaws.com/<name>."
  value       = aws_ecr_repository.this.repository_url
}
