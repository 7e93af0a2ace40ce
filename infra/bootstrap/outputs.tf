output "state_bucket_name" {
  description = <<-EOT
    Name of the state bucket; pass it to `terraform init -backend-config="bucket=..."` in each
    environment.
  EOT
  value       = aws_s3_bucket.state.id
}

output "state_bucket_region" {
  description = "Region of the state bucket; pass it as -backend-config=\"region=...\"."
  value       = var.aws_region
}

output "backend_config" {
  description = <<-EOT
    Contents for a backend.hcl file next to each environment (terraform init
    -backend-config=backend.hcl).
  EOT
  value       = "bucket = \"${aws_s3_bucket.state.id}\"\nregion = \"${var.aws_region}\"\n"
}
