"""The PKS stages: care need -> production need -> capacity need -> balance."""
