set terminal pngcairo noenhanced size 1100,600 font 'Sans,11'
set output "table1_layers_cpu_long_curves.png"
set label 1000 "Table 1, cpu_long: learning only a subset of layers (WRN-10-2, all of Fashion-MNIST, 8 epochs, 3 seeds)\ntest top-1 accuracy after each epoch" at screen 0.5, screen 0.975 center front
set tmargin 4
set ylabel 'test top-1 accuracy (%)'
set grid
set key outside right top vertical Left reverse spacing 1.3
set border 3
set tics nomirror
set xlabel 'epoch'
set xtics 1
set ylabel 'top-1 accuracy (%)'
data = "table1_layers_cpu_long_curves.dat"
plot data index 0 using 1:2:3 with yerrorlines linecolor rgb '#0072B2' pointtype 7 dashtype 1 linewidth 2 pointsize 1.3 title "conv1", \
  data index 1 using 1:2:3 with yerrorlines linecolor rgb '#D55E00' pointtype 7 dashtype 1 linewidth 2 pointsize 1.3 title "block1", \
  data index 2 using 1:2:3 with yerrorlines linecolor rgb '#009E73' pointtype 7 dashtype 1 linewidth 2 pointsize 1.3 title "block2", \
  data index 3 using 1:2:3 with yerrorlines linecolor rgb '#CC79A7' pointtype 7 dashtype 1 linewidth 2 pointsize 1.3 title "block3", \
  data index 4 using 1:2:3 with yerrorlines linecolor rgb '#E69F00' pointtype 7 dashtype 1 linewidth 2 pointsize 1.3 title "fc", \
  data index 5 using 1:2:3 with yerrorlines linecolor rgb '#56B4E9' pointtype 7 dashtype 1 linewidth 2 pointsize 1.3 title "bn", \
  data index 6 using 1:2:3 with yerrorlines linecolor rgb '#000000' pointtype 7 dashtype 1 linewidth 2 pointsize 1.3 title "all"
unset output
set terminal svg noenhanced dynamic background '#ffffff' size 1100,600 font 'Sans,11'
set output "table1_layers_cpu_long_curves.svg"
set label 1000 "Table 1, cpu_long: learning only a subset of layers (WRN-10-2, all of Fashion-MNIST, 8 epochs, 3 seeds)\ntest top-1 accuracy after each epoch" at screen 0.5, screen 0.975 center front
set tmargin 4
set ylabel 'test top-1 accuracy (%)'
set grid
set key outside right top vertical Left reverse spacing 1.3
set border 3
set tics nomirror
set xlabel 'epoch'
set xtics 1
set ylabel 'top-1 accuracy (%)'
data = "table1_layers_cpu_long_curves.dat"
plot data index 0 using 1:2:3 with yerrorlines linecolor rgb '#0072B2' pointtype 7 dashtype 1 linewidth 2 pointsize 1.3 title "conv1", \
  data index 1 using 1:2:3 with yerrorlines linecolor rgb '#D55E00' pointtype 7 dashtype 1 linewidth 2 pointsize 1.3 title "block1", \
  data index 2 using 1:2:3 with yerrorlines linecolor rgb '#009E73' pointtype 7 dashtype 1 linewidth 2 pointsize 1.3 title "block2", \
  data index 3 using 1:2:3 with yerrorlines linecolor rgb '#CC79A7' pointtype 7 dashtype 1 linewidth 2 pointsize 1.3 title "block3", \
  data index 4 using 1:2:3 with yerrorlines linecolor rgb '#E69F00' pointtype 7 dashtype 1 linewidth 2 pointsize 1.3 title "fc", \
  data index 5 using 1:2:3 with yerrorlines linecolor rgb '#56B4E9' pointtype 7 dashtype 1 linewidth 2 pointsize 1.3 title "bn", \
  data index 6 using 1:2:3 with yerrorlines linecolor rgb '#000000' pointtype 7 dashtype 1 linewidth 2 pointsize 1.3 title "all"
unset output
