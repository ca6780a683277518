DROP TABLE truthgraph_settings;
