"""Exchange classes: one per exchange x market x public/private (see spec "Python side")."""
