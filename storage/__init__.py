"""Everything SQL: typed models, the unit of work and repositories, migrations."""
