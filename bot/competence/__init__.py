"""The competence model: the framework (areas, statements, levels), company target profiles, gaps, charts."""
