"""Render stage: findings and routes as table, Markdown, HTML, JSON and SARIF."""
