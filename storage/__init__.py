"""Models, engine, repositories, migrations and FSM storage of nearmiss."""
