################################################################################
# Table
################################################################################

output "table_name" {
  description = "Name of the DynamoDB table."
  value       = aws_dynamodb_table.this.name
}

output "table_arn" {
  description = "ARN of the DynamoDB table."
  value       = aws_dynamodb_table.this.arn
}

output "hash_key_name" {
  description = "Name of the table's partition key attribute."
  value       = aws_dynamodb_table.this.hash_key
}

################################################################################
# Encryption key
################################################################################

output "kms_key_arn" {
  description = "ARN of the KMS key that encrypts the table."
  value       = aws_kms_key.this.arn
}

output "kms_key_alias" {
  description = "Alias of the KMS key."
  value       = aws_kms_alias.this.name
}
