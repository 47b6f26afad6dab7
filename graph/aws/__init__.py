"""AWS: recognising exports, evaluating IAM policies and building trust edges."""
